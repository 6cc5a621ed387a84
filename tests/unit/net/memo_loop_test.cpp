#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "wirekit/common/cesr.hpp"
#include "wirekit/memo/ed25519.hpp"
#include "wirekit/net/memo_receive_loop.hpp"
#include "wirekit/net/memo_send_loop.hpp"

using namespace wirekit;
using namespace wirekit::net;
using namespace std::chrono_literals;

namespace {

bytes pattern(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = std::byte((i * 7 + i / 251) & 0xff);
  return b;
}

template <typename Done>
bool run_until(asio::io_context& io, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(20ms);
  }
  return done();
}

// A receive loop on `where` that collects the memos it completes, and a send config that
// reaches it: memo-send's gram size for the transport, paced so the receiver's socket buffer
// is never the bottleneck of a test.
struct memo_link {
  memo_link(asio::io_context& io, const std::string& where)
      : rx(io, [&] {
          memo_receive_config rc;
          rc.where = *parse_endpoint(where);
          return rc;
        }()) {
    rx.start([this](const memo::completed_memo& m) { got.push_back(m); });
    const bool udp = where.starts_with("udp");
    send.to = udp ? *parse_endpoint(to_string(rx.local_address())) : *parse_endpoint(where);
    send.rend.size = udp ? 1240 : 65535;
    send.rate = parse_send_rate("20000");
  }

  memo_receive_loop rx;
  std::vector<memo::completed_memo> got;
  memo_send_config send;
};

}  // namespace

TEST_CASE("a 1 MiB memo crosses udp and uxd, signed and unsigned, text and binary", "[net][memo]") {
  const std::string uxd_path =
      (std::filesystem::temp_directory_path() / ("wk-memo-" + std::to_string(::getpid()) + ".sock"))
          .string();
  memo::seed seed{};
  memo::random_bytes(seed);
  const memo::signing_key key(seed);
  const auto memo_bytes = pattern(1 << 20);

  for (const std::string& where : {std::string("udp://127.0.0.1:0"), "uxd:" + uxd_path}) {
    for (const bool sign : {false, true}) {
      for (const auto frm : {memo::form::text, memo::form::binary}) {
        DYNAMIC_SECTION(where << (sign ? " signed " : " unsigned ") << memo::to_string(frm)) {
          asio::io_context io;
          memo_link link(io, where);
          auto sc = link.send;
          sc.rend.frm = frm;
          if (sign) {
            sc.rend.signer = &key;
            sc.rend.vid = cesr::encode_qb64(cesr::ed25519_verkey_basic, key.public_key());
          }
          memo_send_loop tx(io, sc);
          REQUIRE(tx.queue(memo_bytes).status == memo::rend_status::ok);
          REQUIRE(run_until(io, [&] { return !link.got.empty(); }));
          CHECK_FALSE(tx.failure());
          CHECK(link.got[0].memo == memo_bytes);
          CHECK(link.got[0].vid.has_value() == sign);
          CHECK(link.rx.stats().dropped_total() == 0);
        }
      }
    }
  }
  CHECK_FALSE(std::filesystem::exists(uxd_path));
}

TEST_CASE("sure memos of every run length arrive once each through a lossy sender, all acked",
          "[net][memo][sure]") {
  const double loss = GENERATE(0.0, 0.1);
  INFO("loss " << loss);
  asio::io_context io;
  memo_receive_config rc;
  rc.where = *parse_endpoint("udp://127.0.0.1:0");
  memo_receive_loop rx(io, rc);
  std::map<std::string, int> times;
  std::map<std::string, bytes> got;
  rx.start([&](const memo::completed_memo& m) {
    ++times[m.mid];
    got[m.mid] = m.memo;
  });

  memo_send_config sc;
  sc.to = *parse_endpoint(to_string(rx.local_address()));
  sc.rend.size = 1240;
  sc.rend.sure = true;
  sc.sure = memo::sure_config{};
  sc.test_loss = loss;  // grams sent and acks received
  memo_send_loop tx(io, sc);
  std::vector<memo::memo_outcome> outcomes;
  tx.on_outcome([&](const memo::memo_outcome& o) { outcomes.push_back(o); });
  // Grams go out in runs of up to 64: memos of 1, 63, 64, 65 and 300 grams split every way.
  std::map<std::string, bytes> sent;
  const auto grams_of = [&](std::size_t n) {
    return memo::rend(pattern(n), sc.rend, memo::random_mid()).grams.size();
  };
  for (const std::size_t grams : {1u, 63u, 64u, 65u, 300u}) {
    std::size_t lo = 1, hi = grams * 1240;  // the largest memo of `grams` grams
    while (lo < hi) {
      const std::size_t mid = (lo + hi + 1) / 2;
      if (grams_of(mid) <= grams)
        lo = mid;
      else
        hi = mid - 1;
    }
    const bytes memo = pattern(lo);
    const auto r = tx.queue(memo);
    REQUIRE(r.status == memo::rend_status::ok);
    REQUIRE(run_until(io, [&] { return tx.settled(); }));
    REQUIRE(outcomes.size() == sent.size() + 1);
    CHECK(outcomes.back().grams == grams);
    sent[outcomes.back().mid] = memo;
  }
  for (const auto& o : outcomes)
    CHECK(o.delivered);
  CHECK_FALSE(tx.failure());
  CHECK(got == sent);
  for (const auto& [mid, n] : times)
    CHECK(n == 1);
  const auto& s = *tx.sure_stats();
  if (loss > 0) CHECK(s.retransmissions > 0);  // (without loss, a slow ack may draw a probe)
  // Every gram the engine let go reached the kernel, but those the test knob dropped.
  if (loss > 0)
    CHECK(tx.socket_stats().sent_datagrams < s.grams_sent);
  else
    CHECK(tx.socket_stats().sent_datagrams == s.grams_sent);
}

TEST_CASE("a memo to a unix socket nobody binds fails with the reason", "[net][memo]") {
  asio::io_context io;
  memo_send_config sc;
  sc.to = *parse_endpoint("uxd:/nonexistent/wirekit.sock");
  memo_send_loop tx(io, sc);
  REQUIRE(tx.queue(as_bytes("hello")).status == memo::rend_status::ok);
  REQUIRE(run_until(io, [&] { return !tx.busy(); }));
  REQUIRE(tx.failure());
  CHECK(tx.failure()->find("uxd:/nonexistent/wirekit.sock") != std::string::npos);
}

TEST_CASE("send rates parse grams and bytes per second", "[net][memo]") {
  CHECK(parse_send_rate("2000")->per == send_rate::unit::grams);
  CHECK(parse_send_rate("2000g")->per_second == 2000);
  CHECK(parse_send_rate("3M")->per == send_rate::unit::bytes);
  CHECK(parse_send_rate("3M")->per_second == 3 * 1024 * 1024);
  CHECK(parse_send_rate("512K")->per_second == 512 * 1024);
  CHECK_FALSE(parse_send_rate("0"));
  CHECK_FALSE(parse_send_rate("-5"));
  CHECK_FALSE(parse_send_rate("5x"));
  CHECK_FALSE(parse_send_rate(""));
}

TEST_CASE("a memo the loop may keep is sent as slices of itself and then let go", "[net][memo]") {
  const std::string uxd_path = (std::filesystem::temp_directory_path() /
                                ("wk-memo-keep-" + std::to_string(::getpid()) + ".sock"))
                                   .string();
  for (const std::string& where : {std::string("udp://127.0.0.1:0"), "uxd:" + uxd_path}) {
    for (const auto dia : {memo::dialect::d1aa, memo::dialect::legacy}) {
      DYNAMIC_SECTION(where << " " << memo::to_string(dia)) {
        asio::io_context io;
        memo_link link(io, where);
        auto sc = link.send;
        sc.rend.dia = dia;
        memo_send_loop tx(io, sc);
        auto memo = std::make_shared<const bytes>(pattern(300'000));
        const std::weak_ptr<const bytes> watch = memo;
        const bytes expected = *memo;
        REQUIRE(tx.queue(std::move(memo)).status == memo::rend_status::ok);
        CHECK_FALSE(watch.expired());  // the grams waiting to go hold it
        REQUIRE(run_until(io, [&] { return !link.got.empty() && !tx.busy(); }));
        CHECK_FALSE(tx.failure());
        CHECK(link.got[0].memo == expected);
        CHECK(link.rx.stats().dropped_total() == 0);
        CHECK(watch.expired());
      }
    }
  }
}
