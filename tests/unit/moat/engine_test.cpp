// Edge behaviour of the MoaT-Cmd engine: malformed input, ids, finals, flow control,
// cancellation, limits, link loss, and the 0.4 switches.
#include <catch2/catch.hpp>

#include "support/vectors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/moat/cbor_encode.hpp"
#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moat/engine.hpp"
#include "wirekit/moat/json_mapping.hpp"

using namespace wirekit;
using namespace wirekit::moat;
using wirekit::test::hex_bytes;
using time_point = demo_commands::time_point;

namespace {

value J(const char* text) {
  return *from_json(json::parse(text));
}

std::vector<event> drain(engine& e) {
  std::vector<event> out;
  while (auto ev = e.poll_event())
    out.push_back(std::move(*ev));
  return out;
}

// A client engine wired to a demo server engine, run at virtual time.
struct pair_link {
  engine client;
  engine server;
  demo_commands demo;
  std::vector<event> client_events;
  time_point now{};

  explicit pair_link(dialect d = dialect::v0_3, engine_limits limits = {})
      : client(d, limits), server(d, limits) {}

  void run(int rounds = 1000) {
    for (int i = 0; i < rounds; ++i) {
      bool any = false;
      while (auto ev = server.poll_event()) {
        demo.on_event(server, *ev, now);
        any = true;
      }
      demo.on_timer(server, now);
      if (auto b = server.take_output(); !b.empty()) {
        client.receive(b);
        any = true;
      }
      while (auto ev = client.poll_event()) {
        client_events.push_back(*ev);
        any = true;
      }
      if (auto b = client.take_output(); !b.empty()) {
        server.receive(b);
        any = true;
      }
      if (!any) {
        const auto due = demo.next_deadline();
        if (!due) return;
        now = std::max(now, *due);
      }
    }
  }

  std::vector<event> take_events() {
    std::vector<event> out;
    out.swap(client_events);
    return out;
  }
};

std::size_t count(const std::vector<event>& evs, event_type t) {
  std::size_t n = 0;
  for (const auto& e : evs)
    n += e.type == t;
  return n;
}

}  // namespace

TEST_CASE("headers encode both id spaces with the flag bits uninverted", "[moat][engine]") {
  CHECK(encode_header({true, 0, 0}) == value::integer(0));
  CHECK(encode_header({true, 1, 3}) == value::integer(7));
  CHECK(encode_header({false, 0, 0}) == value::integer(-4));
  CHECK(encode_header({false, 1, 0}) == value::integer(-8));
  CHECK(encode_header({false, 1, 3}) == value::integer(-5));
  CHECK(encode_header({false, 5, 0}) == value::integer(-24));
  CHECK(encode_header({false, 6, 3}) == value::integer(-25));
  for (std::int64_t h = -40; h < 40; ++h) {
    const auto d = decode_header(value::integer(h));
    REQUIRE(d);
    CHECK(encode_header(*d) == value::integer(h));
  }
  const auto big = decode_header(value::integer(-4398046511108));
  REQUIRE(big);
  CHECK(big->wid == 4398046511104ull / 4);
}

TEST_CASE("malformed messages are dropped and the link stays up", "[moat][engine]") {
  engine server;
  for (const char* bad :
       {"01", "80", "a0", "816178", "81f6", "8263666f6f01", "81c249010000000000000000"})
    server.receive(hex_bytes(bad));
  CHECK(server.stats().dropped_malformed == 7);
  CHECK(drain(server).empty());
  CHECK(server.take_output().empty());
  // invalid UTF-8 inside an item skips that item only
  server.receive(
      hex_bytes("8200"
                "62c328"));
  CHECK(server.stats().skipped_items == 1);
  server.receive(hex_bytes("8200646e6f6e65"));  // [0, "none"]
  const auto evs = drain(server);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].type == event_type::command);
  CHECK(evs[0].cmd == value::text("none"));
  CHECK_FALSE(server.failed());
}

TEST_CASE("undecodable CBOR ends the link and fails every open call", "[moat][engine]") {
  engine client;
  const auto a = client.call(value::text("sleep"), {value::integer(1)});
  const auto b =
      client.call(value::text("count"), {value::integer(5)}, value::map(), call_mode::stream_in);
  REQUIRE(a);
  REQUIRE(b);
  client.receive(hex_bytes("ff"));
  CHECK(client.failed());
  const auto evs = drain(client);
  CHECK(count(evs, event_type::error) == 2);
  CHECK(count(evs, event_type::closed) == 2);
  CHECK(count(evs, event_type::link_down) == 1);
  CHECK(client.conversations() == 0);
  CHECK_FALSE(client.call(value::text("none")).has_value());
}

TEST_CASE("peer death fails pending calls instead of hanging", "[moat][engine]") {
  engine client;
  REQUIRE(client.call(value::text("sleep"), {value::integer(10)}));
  client.receive(hex_bytes("83"));  // half a message, then EOF
  client.receive_eof();
  const auto evs = drain(client);
  REQUIRE(count(evs, event_type::error) == 1);
  CHECK(evs[0].data == payload{value::text("LinkDown")});
  CHECK(evs.back().type == event_type::link_down);
  CHECK(evs.back().reason.find("middle") != std::string::npos);
}

TEST_CASE("spurious, late and unwanted messages are dropped as 0.3.3 drops them",
          "[moat][engine]") {
  engine server;
  server.receive(hex_bytes("8223f6"));  // reply for a call we never made
  CHECK(server.stats().dropped_spurious == 1);
  server.receive(hex_bytes("820226"));  // an error opening a conversation
  CHECK(server.stats().dropped_spurious == 2);
  server.receive(hex_bytes("8200646e6f6e65"));
  auto evs = drain(server);
  REQUIRE(evs.size() == 1);
  const conv_ref c = evs[0].conv;
  // a second command on the same id before our final is late
  server.receive(hex_bytes("8200646e6f6e65"));
  CHECK(server.stats().dropped_late == 1);
  CHECK(server.finish(c, {value::null()}) == send_status::ok);
  CHECK(to_hex(server.take_output()) == "8223f6");
  CHECK(server.finish(c, {value::null()}) == send_status::closed);  // one final only
  CHECK(server.take_output().empty());
  CHECK(count(drain(server), event_type::closed) == 1);
  // a stream request answered without a stream: items are ignored until its final
  server.receive(hex_bytes("83016465636870a0"));  // [1, "echp", {}] streaming
  evs = drain(server);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].streaming);
  CHECK(server.finish(evs[0].conv, {value::integer(1)}) == send_status::ok);
  server.receive(hex_bytes("820101"));
  CHECK(server.stats().dropped_unwanted == 1);
  CHECK(server.conversations() == 1);  // still waiting for the peer's final
  server.receive(hex_bytes("8200f6"));
  evs = drain(server);
  CHECK(count(evs, event_type::closed) == 1);
  CHECK(server.conversations() == 0);
}

TEST_CASE("a header-only command gets 0.3.3's IndexError answer", "[moat][engine]") {
  engine server;
  server.receive(hex_bytes("8100"));
  CHECK(drain(server).size() == 1);  // only the closed event
  value reply;
  REQUIRE(decode_one(server.take_output(), reply).status == decode_status::complete);
  CHECK(to_json(reply) == json::parse(R"([-2, "IndexError", "no command"])"));
}

TEST_CASE("a 0.3 peer never gets a credit, a header-only message or a stray warning",
          "[moat][engine]") {
  engine e;
  const auto c =
      e.call(value::text("count"), {value::integer(3)}, value::map(), call_mode::stream_in);
  CHECK(to_hex(e.take_output()) == "840165636f756e7403a0");  // no credit in front
  CHECK(e.warn(*c, {value::text("x")}) == send_status::suppressed);
  CHECK(e.stats().suppressed_warnings == 1);
  e.receive(hex_bytes("842265636f756e7403a0"));
  drain(e);
  CHECK(e.finish(*c, {}) == send_status::ok);
  CHECK(to_hex(e.take_output()) == "8200f6");  // [0, null], never [0]
  // while the peer reads our stream, a warning is what 0.3.3 expects
  engine s;
  s.receive(hex_bytes("83016373756da0"));
  const auto evs = drain(s);
  s.open_stream(evs[0].conv);
  CHECK(s.warn(evs[0].conv, {value::text("careful")}) == send_status::ok);
}

TEST_CASE("sequential calls reuse wire id 0, concurrent ones take 0-5 and wrap", "[moat][engine]") {
  pair_link link;
  for (int i = 0; i < 3; ++i) {
    const auto c = link.client.call(value::text("ret"), {value::integer(i)});
    REQUIRE(c);
    CHECK(c->wid == 0);
    link.run();
    const auto evs = link.take_events();
    REQUIRE(evs.size() == 2);
    CHECK(evs[0].data == payload{value::integer(i)});
  }
  std::vector<conv_ref> refs;
  for (int i = 0; i < 8; ++i) {
    refs.push_back(*link.client.call(value::text("sleep"), {value::floating(0.01 * (8 - i))}));
    CHECK(refs.back().wid == static_cast<std::uint64_t>(i));
  }
  link.run();
  const auto evs = link.take_events();
  CHECK(count(evs, event_type::final) == 8);
  CHECK(count(evs, event_type::closed) == 8);
  CHECK(link.client.conversations() == 0);
  CHECK(link.server.conversations() == 0);
}

TEST_CASE("100 concurrent calls each get their own reply", "[moat][engine]") {
  pair_link link;
  std::map<std::uint64_t, std::int64_t> asked;
  for (int i = 0; i < 100; ++i) {
    const auto c = link.client.call(value::text("echo"), {value::integer(i)});
    REQUIRE(c);
    asked[c->wid] = i;
  }
  link.run();
  std::size_t finals = 0;
  for (const auto& ev : link.take_events()) {
    if (ev.type != event_type::final) continue;
    ++finals;
    CHECK(ev.data == payload{value::integer(asked.at(ev.conv.wid))});
  }
  CHECK(finals == 100);
}

TEST_CASE("a sender pauses at zero credit once the peer grants credit", "[moat][engine]") {
  engine server;
  server.receive(hex_bytes("840165636f756e7405a0"));
  const auto c = drain(server).at(0).conv;
  server.open_stream(c, {value::text("count")});
  CHECK(server.send(c, {value::integer(0)}) == send_status::ok);  // no grant yet: free
  server.receive(hex_bytes("820302"));                            // [3, 2]: two more items
  auto evs = drain(server);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].type == event_type::credit);
  CHECK(evs[0].code == 2);
  CHECK(server.send(c, {value::integer(1)}) == send_status::ok);
  CHECK(server.send(c, {value::integer(2)}) == send_status::ok);
  CHECK(server.send(c, {value::integer(3)}) == send_status::paused);
  CHECK_FALSE(server.can_send(c));
  server.receive(hex_bytes("820301"));
  drain(server);
  CHECK(server.send(c, {value::integer(3)}) == send_status::ok);
  CHECK(server.send(c, {value::integer(4)}) == send_status::paused);
}

TEST_CASE("the output queue limit holds stream items back", "[moat][engine]") {
  engine_limits small;
  small.max_queued_bytes = 64;
  engine server(dialect::v0_3, small);
  server.receive(hex_bytes("840165636f756e7405a0"));
  const auto c = drain(server).at(0).conv;
  server.open_stream(c);
  int sent = 0;
  while (server.send(c, {value::text("0123456789")}) == send_status::ok)
    ++sent;
  CHECK(sent > 0);
  CHECK(server.queued_bytes() <= 64 + 16);
  CHECK(server.send(c, {value::integer(1)}) == send_status::full);
  server.take_output();
  CHECK(server.send(c, {value::integer(1)}) == send_status::ok);
}

TEST_CASE("a cancel from the reader stops the producer, each side sends one final",
          "[moat][engine]") {
  pair_link link;
  // step 1 s between items; the client cancels after the first one
  const auto c = link.client.call(value::text("count"), {value::integer(20), value::integer(1)},
                                  value::map(), call_mode::stream_in);
  link.run(3);
  auto evs = link.take_events();
  REQUIRE(count(evs, event_type::opened) == 1);
  REQUIRE(count(evs, event_type::item) == 1);
  link.client.cancel(*c);
  link.run();
  evs = link.take_events();
  CHECK(count(evs, event_type::item) == 0);    // nothing after the cancel reaches the app
  CHECK(count(evs, event_type::closed) == 1);  // the server's final freed the id
  CHECK(link.client.conversations() == 0);
  CHECK(link.server.conversations() == 0);
  CHECK(link.demo.active() == 0);
  CHECK_FALSE(link.demo.next_deadline().has_value());
}

TEST_CASE("a cancelled plain call holds its id until the late reply", "[moat][engine]") {
  pair_link link;
  const auto c = link.client.call(value::text("sleep"), {value::integer(5)});
  link.client.cancel(*c);
  CHECK(link.client.take_output().size() > 0);  // only the command itself went out
  CHECK(link.client.conversations() == 1);
  const auto d = link.client.call(value::text("ret"), {value::integer(1)});
  CHECK(d->wid == 1);
  link.client.receive(hex_bytes("8223f6"));  // the late reply to wid 0
  const auto evs = drain(link.client);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].type == event_type::closed);
  CHECK(link.client.conversations() == 1);
}

TEST_CASE("conversation limits refuse calls and incoming commands", "[moat][engine]") {
  engine_limits two;
  two.max_conversations = 2;
  engine e(dialect::v0_3, two);
  REQUIRE(e.call(value::text("a")));
  REQUIRE(e.call(value::text("b")));
  CHECK_FALSE(e.call(value::text("c")));
  e.take_output();
  e.receive(hex_bytes("8200646e6f6e65"));
  CHECK(e.stats().refused_conversations == 1);
  value reply;
  REQUIRE(decode_one(e.take_output(), reply).status == decode_status::complete);
  CHECK(to_json(reply) == json::parse(R"([-2, "ResourceError", "too many conversations"])"));
}

TEST_CASE("input waits in the decoder while the event queue is full", "[moat][engine]") {
  engine_limits small;
  small.max_queued_events = 4;
  engine server(dialect::v0_3, small);
  bytes many;
  for (int i = 0; i < 10; ++i)
    append(many, encode(value::array({value::integer(4 * i), value::text("none")})));
  server.receive(many);
  CHECK_FALSE(server.wants_input());
  std::size_t seen = 0;
  while (auto ev = server.poll_event()) {
    ++seen;
    server.finish(ev->conv, {value::null()});
  }
  CHECK(seen >= 10);
}

TEST_CASE("0.4 sends path commands, push_kw, tag-27 errors and credits", "[moat][engine]") {
  engine client(dialect::v0_4);
  client.call(value::text("echo"), {value::integer(1), value::text("two")}, J(R"({"x":3})"));
  CHECK(to_hex(client.take_output()) == "850081646563686f016374776fa1617803");
  const auto c =
      client.call(value::text("count"), {value::integer(3)}, value::map(), call_mode::stream_in);
  value first, second;
  const bytes out = client.take_output();
  const auto r = decode_one(out, first);
  REQUIRE(decode_one(byte_view(out).subspan(r.consumed), second).status == decode_status::complete);
  CHECK(to_json(first) == json::parse("[7, 42]"));  // credit before the command (wid 1)
  CHECK(to_json(second) == json::parse(R"([5, ["count"], 3])"));  // no forced {}

  engine server(dialect::v0_4);
  server.receive(out);
  auto evs = drain(server);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].cmd == J(R"(["count"])"));
  server.open_stream(evs[0].conv, {});
  // its credit, then a header-only opening (legal in 0.4)
  CHECK(to_hex(server.take_output()) ==
        "8224182a"
        "8126");
  server.fail(evs[0].conv, {value::text("ValueError"), value::text("boom")});
  value err;
  REQUIRE(decode_one(server.take_output(), err).status == decode_status::complete);
  CHECK(to_json(err) ==
        json::parse(R"([-6, {"$tag": 27, "value": ["_rErr", "ValueError", "boom"]}])"));
  (void)c;
}

TEST_CASE("a 0.4 reader grants credit as the application takes items", "[moat][engine]") {
  engine_limits lim;
  lim.receive_window = 4;
  engine client(dialect::v0_4, lim);
  const auto c =
      client.call(value::text("count"), {value::integer(3)}, value::map(), call_mode::stream_in);
  client.take_output();
  client.receive(hex_bytes("8122"));  // opening
  client.receive(
      hex_bytes("822200"
                "822201"));
  auto evs = drain(client);
  CHECK(count(evs, event_type::item) == 2);
  CHECK(to_hex(client.take_output()) ==
        "820301"
        "820301");  // [3, 1] per item taken
  (void)c;
}

TEST_CASE("at peer EOF, received commands are still answered and the rest fails",
          "[moat][engine]") {
  engine server;
  demo_commands demo;
  time_point now{};
  // a plain sleep (fully received) and a sum stream still open when the peer goes away
  server.receive(
      hex_bytes("830065736c656570f93400"
                "83056373756da0"));
  while (auto ev = server.poll_event())
    demo.on_event(server, *ev, now);
  server.take_output();
  server.receive_eof();
  CHECK_FALSE(server.failed());
  auto evs = drain(server);
  CHECK(count(evs, event_type::error) == 1);  // the stream that waited for items
  CHECK(server.conversations() == 1);         // the sleep is still owed
  CHECK_FALSE(server.call(value::text("ping")).has_value());
  now += std::chrono::seconds(1);
  demo.on_timer(server, now);
  CHECK(to_hex(server.take_output()) == "8223f93400");
  evs = drain(server);
  CHECK(count(evs, event_type::closed) == 1);
  CHECK(evs.back().type == event_type::link_down);
  CHECK(server.failed());
}

TEST_CASE("0.3: values and errors that would crash moat-lib-cmd 0.3.3 are never sent",
          "[moat][engine]") {
  engine e;
  CHECK_FALSE(e.call(value::text("ret"), {value::tagged(1, value::integer(5))}).has_value());
  CHECK_FALSE(e.call(value::text("ret"), {value::array({value::simple(16)})}).has_value());
  CHECK(e.stats().suppressed_values == 2);
  CHECK(e.take_output().empty());
  e.receive(hex_bytes("8200646e6f6e65"));
  auto c = drain(e).at(0).conv;
  CHECK(e.finish(c, {value::tagged(1, value::integer(5))}) == send_status::ok);
  value reply;
  REQUIRE(decode_one(e.take_output(), reply).status == decode_status::complete);
  CHECK(to_json(reply) ==
        json::parse(R"([-2, "TypeError", "reply not readable by moat-lib-cmd 0.3"])"));
  drain(e);
  e.receive(hex_bytes("8200646e6f6e65"));
  c = drain(e).at(0).conv;
  CHECK(e.fail(c, {value::integer(5)}) == send_status::ok);  // [h|E, 5] kills 0.3.3
  REQUIRE(decode_one(e.take_output(), reply).status == decode_status::complete);
  CHECK(to_json(reply) == json::parse(R"([-2, "Error", 5])"));
  // 0.4 sends them as they are
  engine f(dialect::v0_4);
  CHECK(f.call(value::text("ret"), {value::tagged(1, value::integer(5))}).has_value());
}
