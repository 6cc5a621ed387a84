// Reassembly joins in-order grams as they come and the rest at the end: every arrival
// order, with duplicates and with later grams before the zeroth, gives the same memo.
#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>
#include <random>
#include <string>

#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/receiver.hpp"
#include "wirekit/memo/rend.hpp"

using namespace wirekit;
using namespace wirekit::memo;

namespace {

const clock::time_point t0{};

std::string memo_text(std::size_t n) {
  std::string s(n, ' ');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

// Feeds the grams in the given order; returns the memos delivered.
std::vector<completed_memo> deliver(const std::vector<bytes>& grams,
                                    const std::vector<std::size_t>& order) {
  receiver rx({});
  std::vector<completed_memo> out;
  for (const auto i : order) {
    rx.on_gram(grams[i], "s", t0);
    while (auto m = rx.poll_memo())
      out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

TEST_CASE("every arrival order of a memo's grams gives the same memo", "[memo][reassembly]") {
  seed s{};
  s.fill(std::byte{9});
  const signing_key key(s);
  const bool is_signed = GENERATE(false, true);
  rend_config c;
  c.size = 200;
  if (is_signed) {
    c.signer = &key;
    c.vid = vid_text('B', key.public_key());
  }
  const std::string text = memo_text(1500);
  const auto r = rend(as_bytes(text), c, random_mid());
  REQUIRE(r.status == rend_status::ok);
  const std::size_t n = r.grams.size();
  REQUIRE(n >= 8);

  std::vector<std::vector<std::size_t>> orders;
  std::vector<std::size_t> in_order(n);
  std::iota(in_order.begin(), in_order.end(), 0);
  orders.push_back(in_order);
  orders.emplace_back(in_order.rbegin(), in_order.rend());  // zeroth last
  auto gap = in_order;                                      // 0, 2, 1, 3, 5, 4, …
  for (std::size_t i = 1; i + 1 < n; i += 3)
    std::swap(gap[i], gap[i + 1]);
  orders.push_back(gap);
  auto dup = in_order;  // every gram twice, the second run reversed
  dup.insert(dup.end(), in_order.rbegin(), in_order.rend());
  orders.push_back(dup);
  std::mt19937 rng(42);
  for (int k = 0; k < 20; ++k) {
    auto o = in_order;
    std::shuffle(o.begin(), o.end(), rng);
    orders.push_back(o);
  }
  for (const auto& order : orders) {
    const auto memos = deliver(r.grams, order);
    REQUIRE(memos.size() == 1);
    CHECK(to_string(memos[0].memo) == text);
    CHECK(memos[0].grams == n);
  }
}
