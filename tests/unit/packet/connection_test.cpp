#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include "replay.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/packet/connection.hpp"

using namespace wirekit;
using packet::event_kind;

namespace {

struct drained {
  std::vector<packet::event> events;
  bytes out;
};

drained drain(packet::connection& c) {
  drained d;
  c.take_output(d.out);
  while (auto e = c.poll_event())
    d.events.push_back(std::move(*e));
  return d;
}

std::size_t count(const std::vector<packet::event>& events, event_kind kind) {
  return static_cast<std::size_t>(
      std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; }));
}

bytes wire(const char* hex) {
  return *from_hex(hex);
}

packet::connection_config client_config() {
  packet::connection_config c;
  c.accepts_requests = false;
  return c;
}

}  // namespace

TEST_CASE("tags start at 2 on channel 0, at 0 on other channels, and only go up",
          "[packet][connection]") {
  auto config = client_config();
  config.limits.channels = 3;
  packet::connection c(config);
  CHECK(c.submit(0, 0, {}).tag == 2);
  CHECK(c.submit(0, 0, {}).tag == 3);
  CHECK(c.submit(0, 0, {}, 2).tag == 0);
  CHECK(c.submit(0, 0, {}, 2).tag == 1);
  CHECK(c.submit(0, 0, {}).tag == 4);
  CHECK(c.submit(0, 0, {}, 3).status == packet::submit_status::bad_channel);
  const auto d = drain(c);
  CHECK(to_hex(d.out) ==
        "03020201"
        "03030201"
        "0400030201"
        "0401030201"
        "03040201");
}

TEST_CASE("responses are matched by channel and tag", "[packet][connection]") {
  auto config = client_config();
  config.limits.channels = 2;
  packet::connection c(config);
  REQUIRE(c.submit(0, 0, {}, 1).tag == 0);
  REQUIRE(c.submit(0, 0, {}, 1).tag == 1);
  REQUIRE(c.submit(0, 0, {}).tag == 2);
  drain(c);
  // ok response on channel 0 tag 1: nobody asked (our channel-0 tags start at 2).
  c.receive(wire("020104"));
  auto d = drain(c);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].notice == packet::notice_kind::response_to_unknown_tag);
  // channel 1 tag 1, then channel 0 tag 2 with payload "x".
  c.receive(
      wire("03010501"
           "03020478"));
  d = drain(c);
  REQUIRE(count(d.events, event_kind::response) == 2);
  CHECK(d.events[0].channel == 1);
  CHECK(d.events[0].tag == 1);
  CHECK(d.events[1].channel == 0);
  CHECK(to_string(d.events[1].payload) == "x");
  CHECK(c.pending() == 1);
  // The same answer again is a response to an unknown request: dropped, connection goes on.
  c.receive(wire("03020478"));
  d = drain(c);
  CHECK(d.events.at(0).notice == packet::notice_kind::response_to_unknown_tag);
  CHECK(c.receive_open());
}

TEST_CASE("peer EOF fails every pending request and refuses new ones", "[packet][connection]") {
  packet::connection c(client_config());
  c.submit(0, 0, as_bytes("a"));
  c.submit(0, 0, as_bytes("b"));
  drain(c);
  c.receive(
      wire("03000200"
           "03020441"));  // EOF, then an answer nobody reads
  const auto d = drain(c);
  CHECK(count(d.events, event_kind::receive_ended) == 1);
  CHECK(d.events[0].end == packet::end_reason::eof_packet);
  CHECK(count(d.events, event_kind::request_failed) == 2);
  CHECK(count(d.events, event_kind::response) == 0);
  CHECK(c.submit(0, 0, {}).status == packet::submit_status::receive_ended);
  CHECK_FALSE(c.wants_input());
  c.close();
  CHECK(to_hex(drain(c).out) ==
        "03010200"
        "03000200");
  CHECK(c.finished());
}

TEST_CASE("the stream ending inside a packet ends receiving as truncated", "[packet][connection]") {
  packet::connection c(client_config());
  c.submit(0, 0, {});
  c.receive(wire("0802020141"));
  c.receive_end();
  const auto d = drain(c);
  REQUIRE(d.events.size() == 2);
  CHECK(d.events[0].end == packet::end_reason::truncated);
  CHECK(d.events[1].kind == event_kind::request_failed);
  CHECK(d.events[1].end == packet::end_reason::truncated);
}

TEST_CASE("a malformed packet stops receiving and later bytes are not read",
          "[packet][connection]") {
  packet::connection c;
  c.receive(
      wire("020501"
           "0402020141"));
  auto d = drain(c);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].end == packet::end_reason::bad_packet);
  CHECK(d.events[0].error == packet::decode_error::missing_channel);
  c.receive(wire("0402020141"));
  CHECK(drain(c).events.empty());
}

TEST_CASE("a packet longer than max_packet_bytes ends receiving before it is buffered",
          "[packet][connection]") {
  packet::connection_config config;
  config.limits.max_packet_bytes = 64;
  packet::connection c(config);
  c.receive(wire("8100"));  // 128 bytes announced
  const auto d = drain(c);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].error == packet::decode_error::packet_too_large);
}

TEST_CASE("a full in-flight table pauses parsing until an answer makes room",
          "[packet][connection]") {
  packet::connection_config config;
  config.limits.max_inflight = 2;
  packet::connection c(config);
  c.receive(
      wire("03020201"
           "03030201"
           "03040201"
           "03050201"
           "03000200"));
  auto d = drain(c);
  CHECK(count(d.events, event_kind::request) == 2);
  CHECK_FALSE(c.wants_input());
  CHECK(c.respond(0, 2, true, 0, {}) == packet::respond_status::sent);
  d = drain(c);
  REQUIRE(count(d.events, event_kind::request) == 1);
  CHECK(d.events[0].tag == 4);
  c.respond(0, 3, true, 0, {});
  c.respond(0, 4, true, 0, {});
  d = drain(c);
  CHECK(count(d.events, event_kind::request) == 1);
  CHECK(count(d.events, event_kind::receive_ended) == 1);
  c.close();
  c.respond(0, 5, true, 0, {});
  d = drain(c);
  CHECK(to_hex(d.out) ==
        "03010200"
        "020504"
        "03000200");
  CHECK(c.finished());
}

TEST_CASE("queued output above its limit pauses parsing until it is taken",
          "[packet][connection]") {
  auto config = client_config();
  config.limits.max_output_bytes = 64;
  packet::connection c(config);
  bytes flood;
  for (int tag = 2; tag < 200; ++tag) {
    const auto p = packet::make_request(0, static_cast<std::uint64_t>(tag), 0, 0, {});
    packet::encode(p, flood);
  }
  c.receive(flood);
  CHECK_FALSE(c.wants_input());
  std::size_t rejects = 0;
  for (int round = 0; round < 1000 && rejects < 198; ++round) {
    bytes out;
    c.take_output(out);
    CHECK(out.size() < 64 + 40);
    rejects += wirekit::test::split_packets(out).size();
    while (c.poll_event()) {
    }
  }
  CHECK(rejects == 198);
  CHECK(c.wants_input());
}

TEST_CASE(
    "close sends ERQ, then answers still being handled, then EOF, and later requests are "
    "refused",
    "[packet][connection]") {
  packet::connection c;
  c.receive(wire("03020201"));
  drain(c);
  c.close();
  c.receive(wire("03030201"));
  auto d = drain(c);
  CHECK(to_hex(d.out) ==
        "03010200"
        "270300" +
            to_hex(as_bytes("rejecting request: runstate.cancelled")));
  CHECK(c.sending() == packet::send_state::draining);
  c.respond(0, 2, true, 0, as_bytes("late"));
  d = drain(c);
  CHECK(to_hex(d.out) ==
        "0602046c617465"
        "03000200");
  CHECK(c.sending() == packet::send_state::eof_sent);
  CHECK_FALSE(c.finished());
  c.receive(wire("03000200"));
  CHECK(c.finished());
}

TEST_CASE("requests on an unserved channel get the reference's literal reject",
          "[packet][connection]") {
  packet::connection c;
  c.receive(wire("050203050141"));
  const auto d = drain(c);
  CHECK(to_hex(d.out) == "15020105" + to_hex(as_bytes("unknown channel %d")));
  CHECK(count(d.events, event_kind::request) == 0);
}

TEST_CASE("a tag rejected on an unserved channel is never answered again", "[packet][connection]") {
  packet::connection_config config;
  config.limits.max_unknown_channels = 2;
  packet::connection c(config);
  const auto reject = to_hex(as_bytes("unknown channel %d"));
  // channel 5 tag 2, channel 5 tag 2 again, channel 5 tag 3, channel 6 tag 2.
  c.receive(
      wire("050203050141"
           "050203050142"
           "050303050143"
           "050203060144"));
  auto d = drain(c);
  CHECK(wirekit::test::split_packets(d.out) ==
        std::vector<std::string>{"15020105" + reject, "15030105" + reject, "15020106" + reject});
  REQUIRE(count(d.events, event_kind::notice) == 4);
  CHECK(d.events.at(1).notice == packet::notice_kind::tag_reused);
  CHECK(d.events.at(1).channel == 5);
  CHECK(d.events.at(1).tag == 2);
  CHECK(c.stats().dropped == 1);
  // A third unserved channel cannot be remembered: dropped, not answered.
  c.receive(wire("050203070145"));
  d = drain(c);
  CHECK(d.out.empty());
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].notice == packet::notice_kind::unknown_channel_dropped);
  // Channel 0 is served as before.
  c.receive(wire("0402020146"));
  d = drain(c);
  CHECK(count(d.events, event_kind::request) == 1);
}

TEST_CASE("without a handler every request gets 'no request handler'", "[packet][connection]") {
  packet::connection c(client_config());
  c.receive(wire("0402020141"));
  CHECK(to_hex(drain(c).out) == "1402006e6f20726571756573742068616e646c6572");
}

TEST_CASE("an answer too large or with flags too wide becomes a failure", "[packet][connection]") {
  packet::connection_config config;
  config.limits.max_packet_bytes = 32;
  packet::connection c(config);
  c.receive(
      wire("03020201"
           "03030201"));
  drain(c);
  const bytes big(40, std::byte{'z'});
  CHECK(c.respond(0, 2, true, 0, big) == packet::respond_status::too_large);
  CHECK(c.respond(0, 3, true, packet::max_response_flags + 1, {}) ==
        packet::respond_status::bad_flags);
  CHECK(c.respond(0, 3, true, 0, {}) == packet::respond_status::unknown);
  const auto out = wirekit::test::split_packets(drain(c).out);
  const auto failure = to_hex(as_bytes("exception during handler"));
  CHECK(out == std::vector<std::string>{"1a0200" + failure, "1a0300" + failure});
}

TEST_CASE("submit refuses beyond max_pending and after close", "[packet][connection]") {
  auto config = client_config();
  config.limits.max_pending = 2;
  packet::connection c(config);
  CHECK(c.submit(packet::max_user_rq_type + 1, 0, {}).status == packet::submit_status::bad_rq_type);
  CHECK(c.submit(0, packet::max_request_flags + 1, {}).status == packet::submit_status::bad_flags);
  CHECK(c.submit(0, 0, {}).status == packet::submit_status::ok);
  CHECK(c.submit(0, 0, {}).status == packet::submit_status::ok);
  CHECK(c.submit(0, 0, {}).status == packet::submit_status::full);
  c.receive(wire("020204"));
  CHECK(c.submit(0, 0, {}).status == packet::submit_status::ok);
  c.close();
  CHECK(c.submit(0, 0, {}).status == packet::submit_status::closed);
}

// Two wirekit engines wired back to back, each serving and asking, on channels 0..3.
TEST_CASE("two wirekit engines use channels beyond 0 in both directions", "[packet][connection]") {
  packet::connection_config config;
  config.limits.channels = 4;
  packet::connection a(config), b(config);
  std::vector<packet::event> got_a, got_b;
  auto shuttle = [&] {
    for (int i = 0; i < 10; ++i) {
      bytes out;
      a.take_output(out);
      b.receive(out);
      b.take_output(out);
      a.receive(out);
      for (auto* side : {&a, &b}) {
        auto& got = side == &a ? got_a : got_b;
        while (auto e = side->poll_event()) {
          if (e->kind == event_kind::request) {
            bytes reply = e->payload;
            std::reverse(reply.begin(), reply.end());
            side->respond(e->channel, e->tag, true, e->channel, reply);
          }
          if (e->kind == event_kind::receive_ended) side->close();
          got.push_back(std::move(*e));
        }
      }
    }
  };
  for (std::uint64_t ch = 0; ch < 4; ++ch) {
    REQUIRE(a.submit(1, 0, as_bytes("ab"), ch).status == packet::submit_status::ok);
    REQUIRE(b.submit(2, 0, as_bytes("xyz"), ch).status == packet::submit_status::ok);
  }
  shuttle();
  CHECK(count(got_a, event_kind::request) == 4);
  CHECK(count(got_b, event_kind::request) == 4);
  std::size_t checked = 0;
  for (const auto& e : got_a) {
    if (e.kind != event_kind::response) continue;
    CHECK(e.ok);
    CHECK(e.flags == e.channel);
    CHECK(to_string(e.payload) == "ba");
    ++checked;
  }
  CHECK(checked == 4);
  a.close();
  shuttle();
  CHECK(a.finished());
  CHECK(b.finished());
}

TEST_CASE("engines pipeline many requests with bounded tables", "[packet][connection]") {
  packet::connection_config config;
  config.limits.max_inflight = 8;
  config.limits.max_output_bytes = 1024;
  packet::connection client(client_config()), server(config);
  const std::size_t total = 20000;
  std::size_t sent = 0, answered = 0;
  while (answered < total) {
    while (sent < total && client.pending() < 256) {
      REQUIRE(client.submit(0, 0, as_bytes("ping")).status == packet::submit_status::ok);
      ++sent;
    }
    bytes out;
    client.take_output(out);
    server.receive(out);
    for (int spins = 0; spins < 1000; ++spins) {
      auto e = server.poll_event();
      if (!e) break;
      if (e->kind == event_kind::request) server.respond(e->channel, e->tag, true, 0, e->payload);
    }
    server.take_output(out);
    client.receive(out);
    while (auto e = client.poll_event()) {
      REQUIRE(e->kind == event_kind::response);
      ++answered;
    }
    REQUIRE(server.inflight() <= 8);
  }
  CHECK(answered == total);
}

TEST_CASE("tag history keeps ranges and joins the oldest when full", "[packet][tag_history]") {
  packet::tag_history h(3);
  for (std::uint64_t t = 2; t < 1000; ++t)
    CHECK_FALSE(h.insert(t));
  CHECK(h.range_count() == 1);
  CHECK(h.contains(2));
  CHECK(h.contains(999));
  CHECK_FALSE(h.contains(1));
  CHECK_FALSE(h.contains(1000));
  h.insert(2000);
  h.insert(3000);
  CHECK(h.range_count() == 3);
  CHECK(h.insert(4000));  // a fourth range: the two oldest are joined
  CHECK(h.range_count() == 3);
  CHECK(h.contains(1500));
  CHECK_FALSE(h.contains(2500));
  h.insert(2001);
  h.insert(1999);
  CHECK(h.contains(2001));
  CHECK(h.range_count() == 3);
}

TEST_CASE("demo handlers answer like the reference handler set", "[packet][demo]") {
  using packet::demo_handle;
  CHECK(to_string(demo_handle(1, 0, as_bytes("abc-Z")).result.payload) == "ABC-Z");
  CHECK(demo_handle(3, 0, as_bytes("abcd")).result.flags == 4);
  CHECK(to_string(demo_handle(4, 0, as_bytes("xyz")).result.payload) == "len=3");
  const auto r5 = demo_handle(5, 0, as_bytes("abc")).result;
  CHECK(r5.flags == 0x11);
  CHECK(to_string(r5.payload) == "cba");
  CHECK(demo_handle(8, 21, {}).result.flags == 21);
  CHECK_FALSE(demo_handle(2, 0, {}).result.ok);
  CHECK_FALSE(demo_handle(99, 0, {}).result.ok);
  CHECK(demo_handle(6, 0, {}).delay == std::chrono::milliseconds(200));
  CHECK(demo_handle(6, 0, as_bytes(" 0.5\n")).delay == std::chrono::milliseconds(500));
  CHECK(demo_handle(6, 0, as_bytes("1_0")).delay == std::chrono::seconds(10));
  for (const char* bad : {"x", "-1", "inf", "nan", "0x10", "1__0", "_1", "99999"}) {
    INFO(bad);
    const auto a = demo_handle(6, 0, as_bytes(bad));
    CHECK_FALSE(a.result.ok);
    CHECK(a.delay.count() == 0);
  }
}

TEST_CASE("our own queued requests never stop us reading answers", "[packet][connection]") {
  auto config = client_config();
  config.limits.max_output_bytes = 64;
  packet::connection c(config);
  const bytes big(1000, std::byte{'x'});
  for (int i = 0; i < 8; ++i)
    REQUIRE(c.submit(0, 0, big).status == packet::submit_status::ok);
  // 8 KB of requests wait to be written; answers must still be read (else both ends can
  // block on full pipes: we on our write, the peer on its write to us).
  CHECK(c.wants_input());
  c.receive(wire("020204"));
  const auto d = drain(c);
  CHECK(count(d.events, event_kind::response) == 1);
}

// The zero-copy input path: bytes read straight into the engine's buffer, packets parsed in
// place, payloads seen through views; a packet cut anywhere still arrives whole.
TEST_CASE("input_space/input_written parse in place and payload views see whole payloads",
          "[packet][connection]") {
  packet::connection_config config;
  config.copy_payloads = false;
  packet::connection c(config);
  bytes stream;
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    std::string payload(static_cast<std::size_t>(i * 37 % 300), static_cast<char>('a' + i % 26));
    sent.push_back(payload);
    bytes p;
    REQUIRE(packet::encode(
                packet::make_request(0, 2 + static_cast<std::uint64_t>(i), 0, 0, as_bytes(payload)),
                p) == packet::encode_status::ok);
    append(stream, p);
  }
  std::vector<std::string> got;
  std::size_t at = 0, step = 1;
  while (at < stream.size()) {
    auto room = c.input_space(7);
    REQUIRE(room.size() >= 7);
    const auto n = std::min({room.size(), stream.size() - at, step});
    std::memcpy(room.data(), stream.data() + at, n);
    at += n;
    step = step * 3 % 97 + 1;  // cuts at many different places
    c.input_written(n);
    while (auto e = c.poll_event()) {
      if (e->kind != event_kind::request) continue;
      CHECK(e->payload.empty());  // no copy was made
      got.emplace_back(as_chars(e->payload_view));
      c.respond(e->channel, e->tag, true, 0, e->payload_view);
    }
  }
  CHECK(got == sent);
  bytes out;
  c.take_output(out);
  CHECK(wirekit::test::split_packets(out).size() == sent.size());
}

// A driver that reads again before it has polled the events of the last read: the payloads
// it has not seen yet must not be overwritten by that read, wherever the buffer stands.
TEST_CASE("input_space leaves the payloads of events not yet polled alone",
          "[packet][connection]") {
  packet::connection_config config;
  config.copy_payloads = false;
  packet::connection c(config);
  auto request = [](std::uint64_t tag, const std::string& payload) {
    bytes p;
    REQUIRE(packet::encode(packet::make_request(0, tag, 0, 0, as_bytes(payload)), p) ==
            packet::encode_status::ok);
    return p;
  };
  const std::string first(3000, 'a'), second(5000, 'b');
  bytes stream = request(2, first);
  append(stream, request(3, second));
  const auto partial = request(4, std::string(100, 'c'));
  // Two whole packets and the start of a third, so the next input_space() both has a tail
  // to keep and, for a big room, reason to move it.
  append(stream, byte_view(partial).first(10));
  auto room = c.input_space(stream.size());
  std::memcpy(room.data(), stream.data(), stream.size());
  c.input_written(stream.size());
  REQUIRE(c.has_events());
  for (const std::size_t ask : {std::size_t{16}, std::size_t{1} << 20}) {
    auto again = c.input_space(ask);
    std::memset(again.data(), 'X', again.size());  // what a read of garbage would do
    c.input_written(0);
  }
  std::vector<std::string> got;
  while (auto e = c.poll_event()) {
    if (e->kind == event_kind::request) got.emplace_back(as_chars(e->payload_view));
  }
  CHECK(got == std::vector<std::string>{first, second});
}
