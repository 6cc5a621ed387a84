// The sure sender and the receiver's acks on a virtual clock: timeouts and backoff, fast
// retransmission, the window, ignored acks, deadlines, and whole transfers over a seeded
// lossy link (loss, duplication, reordering both ways) delivering every memo exactly once.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <queue>
#include <random>

#include "wirekit/memo/ack.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/receiver.hpp"
#include "wirekit/memo/rend.hpp"
#include "wirekit/memo/sure_sender.hpp"

using namespace wirekit;
using namespace wirekit::memo;
using namespace std::chrono_literals;

namespace {

const clock::time_point t0{};
const std::string to = "udp://127.0.0.1:5000";
const std::string from = "udp://127.0.0.1:6000";

mid_raw test_mid(std::uint32_t n) {
  mid_raw m{};
  for (std::size_t i = 0; i < 4; ++i)
    m[i] = std::byte((n >> (8 * i)) & 0xff);
  m[15] = std::byte{0x5a};
  return m;
}

bytes pattern(std::size_t n, std::uint32_t seed) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = std::byte((i * 31 + seed * 7 + i / 253) & 0xff);
  return b;
}

struct rended {
  std::string mid;
  std::vector<bytes> grams;
};

rended make(const bytes& memo, std::uint32_t n, bool sure = true, std::size_t size = 100,
            const signing_key* key = nullptr, dialect d = dialect::d1aa, form f = form::text) {
  rend_config c;
  c.dia = d;
  c.frm = f;
  c.size = size;
  c.sure = sure;
  c.signer = key;
  if (key) c.vid = vid_text('B', key->public_key());
  auto r = rend(memo, c, test_mid(n));
  REQUIRE(r.status == rend_status::ok);
  auto p = pick(r.grams[0]);
  REQUIRE(p.ok());
  return {p.fields.mid, std::move(r.grams)};
}

std::vector<bytes> drain(sure_sender& tx, clock::time_point now) {
  std::vector<bytes> out;
  while (auto g = tx.next(now)) {
    CHECK(g->destination == to);
    out.emplace_back(g->gram.begin(), g->gram.end());
  }
  return out;
}

std::vector<outgoing_ack> acks_of(receiver& rx) {
  std::vector<outgoing_ack> out;
  while (auto a = rx.poll_ack())
    out.push_back(std::move(*a));
  return out;
}

seed seed_of(std::uint8_t fill) {
  seed s{};
  s.fill(std::byte{fill});
  return s;
}

}  // namespace

TEST_CASE("a sure memo over a perfect link is delivered once and reported", "[memo][sure]") {
  sure_sender tx({});
  receiver rx({});
  const bytes memo = pattern(1000, 1);
  auto r = make(memo, 1);
  const auto count = r.grams.size();
  REQUIRE(tx.add(r.mid, to, r.grams, false, t0, 42) == add_status::added);
  const auto grams = drain(tx, t0);
  CHECK(grams.size() == count);
  for (const auto& g : grams)
    rx.on_gram(g, from, t0 + 1ms);
  const auto done = rx.poll_memo();
  REQUIRE(done);
  CHECK(done->memo == memo);
  const auto acks = acks_of(rx);
  REQUIRE(acks.size() == 1);  // one ack answers the whole batch
  CHECK(acks[0].destination == from);
  CHECK(tx.on_ack(acks[0].gram, to, t0 + 2ms) == ack_status::applied);
  const auto out = tx.poll_outcome();
  REQUIRE(out);
  CHECK(out->delivered);
  CHECK(out->tag == 42);
  CHECK(out->mid == r.mid);
  CHECK(out->grams == count);
  CHECK(out->retransmissions == 0);
  CHECK(out->elapsed == 2ms);
  CHECK(tx.idle());
  CHECK(tx.rto(to) == 10ms);  // 2 ms measured, raised to the floor
}

TEST_CASE("no acks: the timeout doubles from 250 ms and the memo fails after the retries",
          "[memo][sure]") {
  sure_config c;
  c.retries = 3;
  sure_sender tx(c);
  auto r = make(to_bytes("x"), 1);
  tx.add(r.mid, to, r.grams, false, t0);
  CHECK(drain(tx, t0).size() == 1);
  clock::time_point now = t0;
  for (auto wait : {250ms, 500ms, 1000ms}) {  // no round trip measured yet
    REQUIRE(tx.next_deadline());
    CHECK(*tx.next_deadline() == now + wait);
    now = *tx.next_deadline();
    tx.on_tick(now);
    CHECK(drain(tx, now).size() == 1);  // sent again
  }
  CHECK(*tx.next_deadline() == now + 2000ms);
  tx.on_tick(now + 2000ms);
  const auto out = tx.poll_outcome();
  REQUIRE(out);
  CHECK_FALSE(out->delivered);
  CHECK(out->retransmissions == 3);
  CHECK(out->reason == "unacknowledged: 1 of 1 grams after 3 retries (no ack received)");
  CHECK(tx.stats().timeouts == 4);
  CHECK(tx.idle());
}

TEST_CASE("the deadline fails a memo even while retries remain", "[memo][sure]") {
  sure_config c;
  c.deadline = 600ms;
  sure_sender tx(c);
  auto r = make(to_bytes("x"), 1);
  tx.add(r.mid, to, r.grams, false, t0);
  drain(tx, t0);
  tx.on_tick(t0 + 250ms);
  drain(tx, t0 + 250ms);
  CHECK(*tx.next_deadline() == t0 + 600ms);
  tx.on_tick(t0 + 600ms);
  const auto out = tx.poll_outcome();
  REQUIRE(out);
  CHECK_FALSE(out->delivered);
  CHECK(out->reason == "deadline: 1 of 1 grams unacknowledged after 0.6 s");
}

TEST_CASE("a gram missing behind acked later grams is sent again at once", "[memo][sure]") {
  sure_sender tx({});
  receiver rx({});
  auto r = make(pattern(900, 2), 1, true, 122);  // 10 grams of 90 body bytes
  REQUIRE(r.grams.size() == 10);
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);
  REQUIRE(grams.size() == 10);
  for (std::size_t i = 0; i < grams.size(); ++i)
    if (i != 2) rx.on_gram(grams[i], from, t0 + 1ms);
  auto acks = acks_of(rx);
  REQUIRE(acks.size() == 1);
  CHECK(tx.on_ack(acks[0].gram, to, t0 + 2ms) == ack_status::applied);
  const auto again = drain(tx, t0 + 2ms);
  REQUIRE(again.size() == 1);
  CHECK(again[0] == grams[2]);
  CHECK(tx.stats().fast_retransmissions == 1);
  CHECK(tx.window(to) == 25);  // 16 + 9 acked; 1 lost in 10 is not taken for overrun
  rx.on_gram(again[0], from, t0 + 3ms);
  REQUIRE(rx.poll_memo());
  acks = acks_of(rx);
  REQUIRE(acks.size() == 1);
  CHECK(tx.on_ack(acks[0].gram, to, t0 + 4ms) == ack_status::applied);
  const auto out = tx.poll_outcome();
  REQUIRE(out);
  CHECK(out->delivered);
  CHECK(out->retransmissions == 1);
}

TEST_CASE("a round trip that loses many grams halves the window", "[memo][sure]") {
  sure_sender tx({});
  receiver rx({});
  auto r = make(pattern(4000, 6), 1, true, 122);
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);
  REQUIRE(grams.size() == 16);
  for (std::size_t i = 8; i < grams.size(); ++i)  // the first half is lost (an overrun)
    rx.on_gram(grams[i], from, t0 + 1ms);
  tx.on_ack(acks_of(rx).at(0).gram, to, t0 + 2ms);
  CHECK(tx.stats().fast_retransmissions == 8);
  CHECK(tx.window(to) == 12);  // 16 + 8 acked, halved
}

TEST_CASE("the last gram of a memo, lost, is sent again when a later one is acked",
          "[memo][sure]") {
  sure_sender tx({});
  receiver rx({});
  auto r = make(pattern(300, 7), 1, true, 122);  // 4 grams: all sent at once
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);
  REQUIRE(grams.size() == 4);
  for (const std::size_t i : {0u, 1u, 3u})
    rx.on_gram(grams[i], from, t0 + 1ms);
  tx.on_ack(acks_of(rx).at(0).gram, to, t0 + 2ms);
  const auto again = drain(tx, t0 + 2ms);
  REQUIRE(again.size() == 1);
  CHECK(again[0] == grams[2]);
}

TEST_CASE("a gram lost mid-memo is resent once 3 later grams are acked, with no timeout",
          "[memo][sure]") {
  sure_sender tx({});
  auto r = make(pattern(4000, 8), 1, true, 122);  // 45 grams: more than the first window
  REQUIRE(r.grams.size() > 40);
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);
  REQUIRE(grams.size() == 16);
  const ack_target target{dialect::d1aa, form::text, r.mid};
  const auto ack_up_to = [&](std::uint32_t last) {  // all but gram 5
    ack_info info;
    info.below = 5;
    info.ranges = {{6, last}};
    return rend_ack(target, info);
  };
  CHECK(tx.on_ack(ack_up_to(6), to, t0 + 1ms) == ack_status::applied);
  CHECK(tx.on_ack(ack_up_to(7), to, t0 + 1ms) == ack_status::applied);
  auto sent = drain(tx, t0 + 1ms);
  CHECK(std::find(sent.begin(), sent.end(), grams[5]) == sent.end());  // 2 later: reordered?
  CHECK(tx.stats().fast_retransmissions == 0);
  CHECK(tx.on_ack(ack_up_to(8), to, t0 + 1ms) == ack_status::applied);
  sent = drain(tx, t0 + 1ms);
  REQUIRE_FALSE(sent.empty());
  CHECK(sent[0] == grams[5]);  // the third later gram acked: lost, first to go again
  CHECK(tx.stats().fast_retransmissions == 1);
  CHECK(tx.stats().timeouts == 0);
  CHECK(tx.stats().tail_probes == 0);
}

TEST_CASE("a lost last gram is probed before the timeout, without shrinking the window",
          "[memo][sure]") {
  sure_sender tx({});
  auto r = make(pattern(900, 9), 1, true, 122);  // 10 grams, all sent at once
  REQUIRE(r.grams.size() == 10);
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);
  REQUIRE(grams.size() == 10);
  const ack_target target{dialect::d1aa, form::text, r.mid};
  ack_info info;
  info.below = 9;  // gram 9, the last, was lost
  CHECK(tx.on_ack(rend_ack(target, info), to, t0 + 2ms) == ack_status::applied);
  CHECK(drain(tx, t0 + 2ms).empty());  // nothing later acked: nothing known lost
  CHECK(tx.rto(to) == 10ms);           // 2 ms + 4 × 1 ms, raised to the floor
  const auto window = tx.window(to);
  REQUIRE(tx.next_deadline());
  CHECK(*tx.next_deadline() == t0 + 4ms);  // 2 smoothed round trips after the last send
  tx.on_tick(t0 + 4ms);
  const auto probe = drain(tx, t0 + 4ms);
  REQUIRE(probe.size() == 1);
  CHECK(probe[0] == grams[9]);
  CHECK(tx.stats().tail_probes == 1);
  CHECK(tx.stats().timeouts == 0);
  CHECK(tx.window(to) == window);
  // Unanswered, the second probe waits twice as long; the timeout runs from the probe.
  CHECK(*tx.next_deadline() == t0 + 12ms);
  tx.on_tick(t0 + 12ms);
  CHECK(drain(tx, t0 + 12ms) == std::vector<bytes>{grams[9]});
  CHECK(*tx.next_deadline() == t0 + 22ms);  // no third probe: the timeout
  CHECK(tx.on_ack(rend_ack(target, ack_complete(10)), to, t0 + 13ms) == ack_status::applied);
  const auto out = tx.poll_outcome();
  REQUIRE(out);
  CHECK(out->delivered);
  CHECK(out->retransmissions == 2);
  CHECK(tx.stats().timeouts == 0);
}

TEST_CASE("a probe sends the last gram too when a later retransmission is newer", "[memo][sure]") {
  sure_sender tx({});
  auto r = make(pattern(900, 13), 1, true, 122);  // 10 grams, all sent at once
  REQUIRE(r.grams.size() == 10);
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);
  const ack_target target{dialect::d1aa, form::text, r.mid};
  ack_info info;
  info.below = 5;
  info.ranges = {{6, 8}};  // 5 and 9, the last, lost
  tx.on_ack(rend_ack(target, info), to, t0 + 2ms);
  CHECK(drain(tx, t0 + 2ms) == std::vector<bytes>{grams[5]});  // 9 is not known lost
  REQUIRE(tx.next_deadline());
  CHECK(*tx.next_deadline() == t0 + 6ms);
  tx.on_tick(t0 + 6ms);
  CHECK(drain(tx, t0 + 6ms) == std::vector<bytes>{grams[5], grams[9]});
  CHECK(tx.stats().tail_probes == 1);
}

TEST_CASE("a lost ack at a memo's end is made good by a probe", "[memo][sure]") {
  sure_sender tx({});
  receiver rx({});
  auto warm = make(pattern(300, 10), 1, true, 122);
  tx.add(warm.mid, to, warm.grams, false, t0);
  for (const auto& g : drain(tx, t0))
    rx.on_gram(g, from, t0 + 1ms);
  tx.on_ack(acks_of(rx).at(0).gram, to, t0 + 2ms);  // a round trip: 2 ms
  REQUIRE(tx.poll_outcome()->delivered);
  REQUIRE(rx.poll_memo());
  auto r = make(pattern(300, 11), 2, true, 122);
  tx.add(r.mid, to, r.grams, false, t0 + 2ms);
  for (const auto& g : drain(tx, t0 + 2ms))
    rx.on_gram(g, from, t0 + 3ms);
  REQUIRE(rx.poll_memo());
  REQUIRE(acks_of(rx).size() == 1);  // and lost
  REQUIRE(tx.next_deadline());
  CHECK(*tx.next_deadline() == t0 + 6ms);
  tx.on_tick(t0 + 6ms);
  for (const auto& g : drain(tx, t0 + 6ms))
    rx.on_gram(g, from, t0 + 7ms);
  CHECK_FALSE(rx.poll_memo());  // not delivered twice
  tx.on_ack(acks_of(rx).at(0).gram, to, t0 + 8ms);
  REQUIRE(tx.poll_outcome()->delivered);
  CHECK(tx.stats().timeouts == 0);
  CHECK(tx.stats().tail_probes == 1);
}

TEST_CASE("repeated single losses do not shrink the window below its start", "[memo][sure]") {
  const auto loss = GENERATE(1, 2);  // one gram per round trip; 5% at random
  sure_sender tx({});
  receiver rx({});
  std::mt19937_64 rng(3);
  auto r = make(pattern(60000, 12), 1, true, 122);  // 667 grams
  tx.add(r.mid, to, r.grams, false, t0);
  clock::time_point now = t0;
  std::size_t smallest = tx.window(to);
  int step = 0;
  for (; step < 10000 && !tx.idle(); ++step) {
    auto grams = drain(tx, now);
    if (grams.empty()) {  // all in flight are lost: the probe or the timeout
      REQUIRE(tx.next_deadline());
      now = std::max(now, *tx.next_deadline());
      tx.on_tick(now);
      continue;
    }
    now += 1ms;
    for (std::size_t i = 0; i < grams.size(); ++i) {
      const bool lost = loss == 1 ? i == 0 && grams.size() > 4 : rng() % 20 == 0;
      if (!lost) rx.on_gram(grams[i], from, now);
    }
    now += 1ms;
    for (const auto& a : acks_of(rx))
      tx.on_ack(a.gram, to, now);
    smallest = std::min(smallest, tx.window(to));
  }
  REQUIRE(tx.idle());
  CHECK(tx.poll_outcome()->delivered);
  CHECK(tx.stats().retransmissions > 0);
  CHECK(smallest >= 16);
  CHECK(tx.window(to) > 64);
}

TEST_CASE("5% of a large window lost, found while little is sent, does not shrink it",
          "[memo][sure]") {
  sure_config c;
  c.initial_window = 256;
  sure_sender tx(c);
  receiver rx({});
  auto r = make(pattern(17000, 14), 1, true, 122);
  const auto count = r.grams.size();
  REQUIRE(count >= 180);
  REQUIRE(count <= 256);
  tx.add(r.mid, to, r.grams, false, t0);
  const auto grams = drain(tx, t0);  // the whole memo at once: nothing new to send after
  REQUIRE(grams.size() == count);
  clock::time_point now = t0;
  std::vector<bytes> resent;
  for (std::size_t first = 0; first < count; first += 50) {  // acked in 4 parts
    now += 1ms;
    for (std::size_t i = first; i < std::min(first + 50, count); ++i)
      if (i % 20 != 7) rx.on_gram(grams[i], from, now);
    for (const auto& a : acks_of(rx))
      tx.on_ack(a.gram, to, now);
    for (auto& g : drain(tx, now))
      resent.push_back(std::move(g));
  }
  CHECK(resent.size() == (count + 12) / 20);
  now += 1ms;
  for (const auto& g : resent)
    rx.on_gram(g, from, now);
  for (const auto& a : acks_of(rx))
    tx.on_ack(a.gram, to, now);
  REQUIRE(tx.poll_outcome()->delivered);
  CHECK(tx.window(to) == 256);
}

TEST_CASE("the window bounds grams in flight and grows with acks", "[memo][sure]") {
  sure_config c;
  c.initial_window = 4;
  sure_sender tx(c);
  receiver rx({});
  auto r = make(pattern(3000, 3), 1);
  tx.add(r.mid, to, r.grams, false, t0);
  auto grams = drain(tx, t0);
  CHECK(grams.size() == 4);
  CHECK(tx.in_flight(to) == 4);
  for (const auto& g : grams)
    rx.on_gram(g, from, t0);
  tx.on_ack(acks_of(rx).at(0).gram, to, t0 + 1ms);
  CHECK(tx.window(to) == 8);  // slow start: one more per gram acked
  CHECK(drain(tx, t0 + 1ms).size() == 8);
}

TEST_CASE("acks from elsewhere, for unknown memos, unsigned or forged are ignored and counted",
          "[memo][sure]") {
  const signing_key alice(seed_of(1)), bob(seed_of(2)), mallory(seed_of(3));
  const std::string bob_vid = vid_text('B', bob.public_key());
  sure_config c;
  c.ack_vids = {bob_vid};
  sure_sender tx(c);
  auto r = make(to_bytes("signed and sure"), 1, true, 400, &alice);
  tx.add(r.mid, to, r.grams, true, t0);
  drain(tx, t0);
  const ack_target target{dialect::d1aa, form::text, r.mid};
  const bytes good = rend_ack(target, ack_complete(1), &bob, bob_vid);
  const auto count_of = [&](ack_status s) { return tx.stats().acks[static_cast<std::size_t>(s)]; };

  CHECK(tx.on_ack(good, from, t0) == ack_status::wrong_source);
  CHECK(tx.on_ack(rend_ack(target, ack_complete(1)), to, t0) == ack_status::unsigned_ack);
  CHECK(tx.on_ack(rend_ack(target, ack_complete(1), &mallory, vid_text('B', mallory.public_key())),
                  to, t0) == ack_status::untrusted_vid);
  bytes forged = good;
  forged[forged.size() - 89] ^= std::byte{1};  // the flags byte, before the signature
  CHECK(tx.on_ack(forged, to, t0) == ack_status::bad_signature);
  CHECK(tx.on_ack(rend_ack({dialect::d1aa, form::text, "0AAAAAAAAAAAAAAAAAAAAAAA"}, ack_complete(1),
                           &bob, bob_vid),
                  to, t0) == ack_status::unknown_mid);
  CHECK(tx.on_ack(r.grams[0], to, t0) == ack_status::not_ack);
  CHECK(tx.on_ack(to_bytes("junk"), to, t0) == ack_status::not_ack);
  CHECK_FALSE(tx.poll_outcome());
  CHECK(tx.on_ack(good, to, t0 + 1ms) == ack_status::applied);
  CHECK(tx.on_ack(good, to, t0 + 2ms) == ack_status::late);
  for (const auto s :
       {ack_status::wrong_source, ack_status::unsigned_ack, ack_status::untrusted_vid,
        ack_status::bad_signature, ack_status::unknown_mid, ack_status::applied, ack_status::late})
    CHECK(count_of(s) == 1);
  CHECK(count_of(ack_status::not_ack) == 2);
  REQUIRE(tx.poll_outcome()->delivered);
}

TEST_CASE("a memo whose acks are all ignored fails saying why", "[memo][sure]") {
  sure_config c;
  c.retries = 1;
  const signing_key alice(seed_of(1));
  sure_sender tx(c);
  auto r = make(to_bytes("signed"), 1, true, 400, &alice);
  tx.add(r.mid, to, r.grams, true, t0);
  drain(tx, t0);
  tx.on_ack(rend_ack({dialect::d1aa, form::text, r.mid}, ack_complete(1)), to, t0);
  tx.on_tick(t0 + 250ms);
  drain(tx, t0 + 250ms);
  tx.on_tick(t0 + 750ms);
  const auto out = tx.poll_outcome();
  REQUIRE(out);
  CHECK(out->reason ==
        "unacknowledged: 1 of 1 grams after 1 retries (1 acks ignored, last: unsigned_ack)");
}

TEST_CASE("the receiver answers sure grams only, once per batch, to their source",
          "[memo][sure][receiver]") {
  receiver rx({});
  auto plain = make(pattern(300, 4), 1, false);
  for (const auto& g : plain.grams)
    rx.on_gram(g, from, t0);
  CHECK(rx.poll_memo());
  CHECK_FALSE(rx.poll_ack());  // never ack grams that did not ask

  auto sure = make(pattern(300, 5), 2, true, 100, nullptr, dialect::baa, form::binary);
  rx.on_gram(sure.grams[1], from, t0);
  auto acks = acks_of(rx);
  REQUIRE(acks.size() == 1);
  auto p = pick(acks[0].gram);
  REQUIRE(p.ok());
  CHECK(p.fields.code->text == "bAAI");
  CHECK(p.fields.frm == form::binary);
  CHECK(p.fields.number == 0);  // gram 0 is missing
  CHECK(decode_ack_body(p.fields.body, 0).info.ranges.size() == 1);

  SECTION("a repeated gram of a delivered memo is re-acked complete, not delivered again") {
    for (const auto& g : sure.grams)
      rx.on_gram(g, from, t0);
    REQUIRE(rx.poll_memo());
    acks_of(rx);
    const auto again = rx.on_gram(sure.grams[2], from, t0 + 1s);
    CHECK(again.status == gram_status::duplicate);
    CHECK_FALSE(rx.poll_memo());
    acks = acks_of(rx);
    REQUIRE(acks.size() == 1);
    p = pick(acks[0].gram);
    const auto info = decode_ack_body(p.fields.body, p.fields.number).info;
    CHECK(info.complete);
    CHECK(info.below == sure.grams.size());
    CHECK(rx.stats().completed == 2);
  }
  SECTION("remembered for max_age only") {
    for (const auto& g : sure.grams)
      rx.on_gram(g, from, t0);
    REQUIRE(rx.poll_memo());
    acks_of(rx);
    rx.on_tick(t0 + 61s);
    rx.on_gram(sure.grams[2], from, t0 + 61s);
    acks = acks_of(rx);
    REQUIRE(acks.size() == 1);
    p = pick(acks[0].gram);
    CHECK_FALSE(decode_ack_body(p.fields.body, p.fields.number).info.complete);
  }
}

TEST_CASE("acks for signed memos are signed with the receiver's key", "[memo][sure][receiver]") {
  const signing_key alice(seed_of(1)), bob(seed_of(2));
  ack_config ac;
  ac.signer = &bob;
  ac.vid = vid_text('B', bob.public_key());
  receiver rx({}, ac);
  auto signed_memo = make(to_bytes("signed"), 1, true, 400, &alice);
  rx.on_gram(signed_memo.grams[0], from, t0);
  auto acks = acks_of(rx);
  REQUIRE(acks.size() == 1);
  auto p = pick(acks[0].gram);
  CHECK(p.fields.code->text == "1AAZ");
  CHECK(p.fields.vid == ac.vid);
  auto unsigned_memo = make(to_bytes("plain"), 2, true);
  rx.on_gram(unsigned_memo.grams[0], from, t0);
  acks = acks_of(rx);
  REQUIRE(acks.size() == 1);
  CHECK(pick(acks[0].gram).fields.code->text == "1AAY");
}

namespace {

// Datagrams in transit with seeded loss, duplication and random delay (which reorders).
struct lossy_link {
  struct in_transit {
    clock::time_point at;
    std::uint64_t order;
    bool to_receiver;
    bytes data;
    bool operator>(const in_transit& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  std::mt19937_64 rng;
  double loss, dup;
  std::priority_queue<in_transit, std::vector<in_transit>, std::greater<>> q;
  std::uint64_t order = 0;

  void send(clock::time_point now, bool to_receiver, byte_view data) {
    std::uniform_real_distribution<double> u(0, 1);
    const int copies = u(rng) < loss ? 0 : (u(rng) < dup ? 2 : 1);
    for (int i = 0; i < copies; ++i) {
      const auto delay = std::chrono::microseconds(200 + rng() % 3000);
      q.push({now + delay, order++, to_receiver, bytes(data.begin(), data.end())});
    }
  }
};

}  // namespace

TEST_CASE("over a lossy link every sure memo arrives exactly once and byte-identical",
          "[memo][sure][sim]") {
  const auto seed = GENERATE(1u, 2u, 3u);
  const bool is_signed = GENERATE(false, true);
  INFO("seed " << seed << (is_signed ? " signed" : " unsigned"));
  const signing_key alice(seed_of(1)), bob(seed_of(2));
  sure_sender tx({});
  ack_config ac;
  ac.signer = &bob;
  ac.vid = vid_text('B', bob.public_key());
  receiver rx({}, ac);
  lossy_link link{std::mt19937_64(seed), 0.10, 0.05, {}, 0};

  std::map<std::string, bytes> sent;
  std::uint32_t n = 0;
  for (const std::size_t size : {10, 100, 1000, 5000, 20000, 1, 300, 64000}) {
    for (int k = 0; k < 5; ++k, ++n) {
      const bytes memo = pattern(size + k, n);
      auto r = make(memo, n, true, 1240, is_signed ? &alice : nullptr,
                    n % 2 ? dialect::baa : dialect::d1aa, n % 3 ? form::text : form::binary);
      sent[r.mid] = memo;
      REQUIRE(tx.add(r.mid, to, std::move(r.grams), is_signed, t0) == add_status::added);
    }
  }
  std::map<std::string, int> delivered;
  std::size_t outcomes = 0, failed = 0;
  std::string reasons;
  clock::time_point now = t0;
  for (int step = 0; step < 1000000 && outcomes < sent.size(); ++step) {
    while (auto g = tx.next(now))
      link.send(now, true, g->gram);
    auto next = tx.next_deadline();
    if (!link.q.empty() && (!next || link.q.top().at < *next)) next = link.q.top().at;
    REQUIRE(next);
    now = std::max(now, *next);
    tx.on_tick(now);
    while (!link.q.empty() && link.q.top().at <= now) {
      auto d = link.q.top();
      link.q.pop();
      if (d.to_receiver)
        rx.on_gram(d.data, from, now);
      else
        tx.on_ack(d.data, to, now);
    }
    while (auto m = rx.poll_memo()) {
      ++delivered[m->mid];
      CHECK(m->memo == sent.at(m->mid));
    }
    while (auto a = rx.poll_ack()) {
      CHECK(a->destination == from);
      link.send(now, false, a->gram);
    }
    while (auto o = tx.poll_outcome()) {
      ++outcomes;
      if (!o->delivered) {
        ++failed;
        reasons += o->mid + ": " + o->reason + "\n";
      }
    }
  }
  CHECK(outcomes == sent.size());
  CHECK(failed == 0);
  CHECK(reasons == "");
  CHECK(delivered.size() == sent.size());
  for (const auto& [mid, times] : delivered)
    CHECK(times == 1);
  CHECK(tx.stats().retransmissions > 0);
  CHECK(tx.stats().acks[static_cast<std::size_t>(ack_status::applied)] > 0);
  CHECK(tx.held_bytes() == 0);
}
