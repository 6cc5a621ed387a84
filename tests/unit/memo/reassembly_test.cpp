// Every bound of the reassembly table, on a virtual clock (t0 + durations).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/receiver.hpp"
#include "wirekit/memo/rend.hpp"

using namespace wirekit;
using namespace wirekit::memo;
using namespace std::chrono_literals;

namespace {

const clock::time_point t0{};

// The first grams of memo number `which`, never complete (its last gram is left out).
std::vector<bytes> partial(std::uint8_t which, std::size_t bytes_of_memo = 100,
                           const signing_key* key = nullptr) {
  rend_config c;
  c.size = key ? 200 : 60;
  c.signer = key;
  if (key) c.vid = vid_text('B', key->public_key());
  mid_raw mid{};
  mid.fill(std::byte{which});
  auto r = rend(as_bytes(std::string(bytes_of_memo, 'm')), c, mid);
  REQUIRE(r.status == rend_status::ok);
  REQUIRE(r.grams.size() >= 2);
  r.grams.pop_back();
  return r.grams;
}

std::size_t evicted(const receiver& rx, eviction_reason why) {
  return rx.stats().evicted[static_cast<std::size_t>(why)];
}

}  // namespace

TEST_CASE("evicts a partial memo once it is max_age old", "[memo][bounds]") {
  reassembly_limits limits;
  limits.max_age = 10s;
  receiver rx({false, nullptr, limits});
  for (const auto& g : partial(1))
    rx.on_gram(g, "s", t0);
  CHECK(rx.next_deadline() == t0 + 10s);
  rx.on_tick(t0 + 9s);
  CHECK(rx.pending_mids().size() == 1);
  rx.on_tick(t0 + 10s);
  CHECK(rx.pending_mids().empty());
  CHECK(evicted(rx, eviction_reason::age) == 1);
  CHECK_FALSE(rx.next_deadline());
  const auto e = rx.poll_event();
  REQUIRE(e);
  CHECK(std::get<eviction>(*e).reason == eviction_reason::age);
}

TEST_CASE("age eviction also happens when the next gram arrives", "[memo][bounds]") {
  reassembly_limits limits;
  limits.max_age = 5s;
  receiver rx({false, nullptr, limits});
  rx.on_gram(partial(1)[0], "s", t0);
  rx.on_gram(partial(2)[0], "s", t0 + 6s);
  CHECK(rx.pending_mids().size() == 1);
  CHECK(evicted(rx, eviction_reason::age) == 1);
}

TEST_CASE("drops the oldest partial memo when the memo count is full", "[memo][bounds]") {
  reassembly_limits limits;
  limits.max_pending_memos = 2;
  receiver rx({false, nullptr, limits});
  rx.on_gram(partial(1)[0], "s", t0);
  rx.on_gram(partial(2)[0], "s", t0 + 1s);
  rx.on_gram(partial(3)[0], "s", t0 + 2s);
  const auto pending = rx.pending_mids();
  REQUIRE(pending.size() == 2);
  CHECK(evicted(rx, eviction_reason::pending_memos) == 1);
  CHECK(rx.table().pending_memos() == 2);
}

TEST_CASE("drops the oldest partial memo when the byte budget is full", "[memo][bounds]") {
  reassembly_limits limits;
  limits.max_pending_bytes = 2 * (100 + 3 * per_gram_overhead_bytes);
  receiver rx({false, nullptr, limits});
  for (std::uint8_t m = 1; m <= 3; ++m)
    for (const auto& g : partial(m))
      rx.on_gram(g, "s", t0);
  CHECK(rx.table().pending_bytes() <= limits.max_pending_bytes);
  CHECK(evicted(rx, eviction_reason::pending_bytes) >= 1);
  CHECK(rx.pending_mids().size() == 2);
}

TEST_CASE("a memo alone larger than the byte budget is dropped", "[memo][bounds]") {
  reassembly_limits limits;
  limits.max_pending_bytes = 150;
  receiver rx({false, nullptr, limits});
  const auto grams = partial(1, 400);
  gram_report last;
  for (const auto& g : grams)
    last = rx.on_gram(g, "s", t0);
  CHECK(rx.stats().dropped[static_cast<std::size_t>(drop_reason::memo_too_large)] >= 1);
  CHECK(rx.table().pending_bytes() <= 150);
}

TEST_CASE("bounds the signed grams held while their zeroth gram is missing", "[memo][bounds]") {
  seed s{};
  s.fill(std::byte{3});
  const signing_key key(s);
  reassembly_limits limits;
  limits.max_held_grams = 2;
  receiver rx({false, nullptr, limits});
  for (std::uint8_t m = 1; m <= 3; ++m) {
    const auto grams = partial(m, 400, &key);
    CHECK(rx.on_gram(grams[1], "s", t0 + std::chrono::seconds(m)).status == gram_status::held);
  }
  CHECK(rx.table().held_grams() == 2);
  CHECK(evicted(rx, eviction_reason::held_grams) == 1);
  CHECK(rx.pending_mids().size() == 2);
}

TEST_CASE("held grams age out like partial memos", "[memo][bounds]") {
  seed s{};
  s.fill(std::byte{3});
  const signing_key key(s);
  reassembly_limits limits;
  limits.max_age = 1s;
  receiver rx({false, nullptr, limits});
  CHECK(rx.on_gram(partial(1, 400, &key)[1], "s", t0).status == gram_status::held);
  rx.on_tick(t0 + 1s);
  CHECK(rx.table().held_grams() == 0);
  CHECK(evicted(rx, eviction_reason::age) == 1);
}

TEST_CASE("one memo cannot fill the hold on its own", "[memo][bounds]") {
  seed s{};
  s.fill(std::byte{3});
  const signing_key key(s);
  reassembly_limits limits;
  limits.max_held_grams = 2;
  receiver rx({false, nullptr, limits});
  const auto grams = partial(1, 1000, &key);
  REQUIRE(grams.size() >= 4);
  CHECK(rx.on_gram(grams[1], "s", t0).status == gram_status::held);
  CHECK(rx.on_gram(grams[2], "s", t0).status == gram_status::held);
  const auto r = rx.on_gram(grams[3], "s", t0);
  CHECK(r.status == gram_status::dropped);
  CHECK(r.reason == drop_reason::hold_full);
  CHECK(rx.table().held_grams() == 2);
  CHECK(rx.table().numbers(rx.pending_mids().at(0)).empty());  // held, not stored yet
}
