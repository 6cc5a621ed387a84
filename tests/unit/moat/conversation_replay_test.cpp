// Every captured 0.3.3 conversation (vectors/moat/conversations) replayed at the engine
// level: the server side against the demo command set, the client side against the calls
// the reference client made.
#include <catch2/catch.hpp>

#include <deque>

#include "support/vectors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/moat/cbor_decoder.hpp"
#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moat/engine.hpp"
#include "wirekit/moat/json_mapping.hpp"

using namespace wirekit;
using namespace wirekit::moat;
using wirekit::test::hex_bytes;
using wirekit::test::load_vectors;
using wirekit::test::vector_files;
using time_point = demo_commands::time_point;

namespace {

// Splits an engine's output into one hex string per CBOR item.
void split_messages(const bytes& out, std::deque<std::string>& into) {
  cbor_decoder d;
  d.feed(out);
  std::size_t at = 0;
  value v;
  for (;;) {
    const auto r = d.next(v);
    if (r.status != decode_status::complete) break;
    into.push_back(to_hex(byte_view(out).subspan(at, r.consumed)));
    at += r.consumed;
  }
  REQUIRE(at == out.size());
}

// Runs the engine's events through the demo set at virtual time now.
struct peer {
  engine eng;
  demo_commands demo;
  std::deque<std::string> sent;
  std::vector<event> seen;

  void settle(time_point now) {
    for (int round = 0; round < 100; ++round) {
      bool any = false;
      while (auto ev = eng.poll_event()) {
        seen.push_back(*ev);
        demo.on_event(eng, *ev, now);
        any = true;
      }
      demo.on_timer(eng, now);
      const bytes out = eng.take_output();
      if (!out.empty()) {
        split_messages(out, sent);
        any = true;
      }
      if (!any) return;
    }
    FAIL("engine did not settle");
  }
};

payload payload_of(const json& decoded) {
  payload p;
  for (const auto& j : decoded["payload"])
    p.push_back(*from_json(j));
  return p;
}

}  // namespace

TEST_CASE("the demo server answers every captured client as the 0.3.3 server did",
          "[moat][engine][replay]") {
  std::size_t files = 0, lines_checked = 0, total_lines = 0;
  for (const auto& file : vector_files("moat/conversations")) {
    INFO(file);
    const auto lines = load_vectors(file);
    total_lines += lines.size();
    peer server{engine(dialect::v0_3), {}, {}, {}};
    time_point now{};
    for (const auto& line : lines) {
      INFO(line.dump());
      if (line["dir"] == "c2s") {
        server.eng.receive(hex_bytes(line["hex"]));
        server.settle(now);
      } else {
        // Only let virtual time pass when the server has nothing ready: that keeps the
        // concurrent sleeps in completion order, as the reference answered them.
        for (int i = 0; i < 100 && server.sent.empty(); ++i) {
          const auto due = server.demo.next_deadline();
          REQUIRE(due.has_value());
          now = *due;
          server.settle(now);
        }
        REQUIRE_FALSE(server.sent.empty());
        CHECK(server.sent.front() == line["hex"].get<std::string>());
        server.sent.pop_front();
      }
      ++lines_checked;
    }
    CHECK_FALSE(server.demo.next_deadline().has_value());
    CHECK(server.sent.empty());
    CHECK(server.eng.conversations() == 0);
    CHECK(server.demo.active() == 0);
    const auto& st = server.eng.stats();
    CHECK(st.dropped_malformed + st.dropped_spurious + st.dropped_late + st.dropped_unwanted == 0);
    ++files;
  }
  CHECK(files == 12);
  CHECK(lines_checked == total_lines);
  CHECK(lines_checked == 54);
}

TEST_CASE("a client engine making the reference client's calls sends its exact bytes",
          "[moat][engine][replay]") {
  std::size_t lines_checked = 0;
  for (const auto& file : vector_files("moat/conversations")) {
    INFO(file);
    const auto lines = load_vectors(file);
    peer client{engine(dialect::v0_3), {}, {}, {}};
    std::map<std::uint64_t, conv_ref> calls;
    const time_point now{};
    for (const auto& line : lines) {
      INFO(line.dump());
      const json& d = line["decoded"];
      const std::uint64_t wid = d["wid"];
      if (line["dir"] == "c2s") {
        if (d["side"] == "originator") {
          unpacked u = unpack(payload_of(d));
          if (!calls.count(wid)) {
            const value cmd = u.args.front();
            payload args(u.args.begin() + 1, u.args.end());
            const auto mode = d["flags"] == "stream" ? call_mode::stream_both : call_mode::plain;
            const auto ref = client.eng.call(cmd, args, u.kw, mode);
            REQUIRE(ref.has_value());
            CHECK(ref->wid == wid);
            calls[wid] = *ref;
          } else if (d["flags"] == "stream") {
            CHECK(client.eng.send(calls[wid], u.args, u.kw) == send_status::ok);
          } else {
            CHECK(client.eng.finish(calls[wid], u.args, u.kw) == send_status::ok);
          }
        }
        // responder messages are the client's own handler (ping) answering the server
        client.settle(now);
        REQUIRE_FALSE(client.sent.empty());
        CHECK(client.sent.front() == line["hex"].get<std::string>());
        client.sent.pop_front();
      } else {
        const std::size_t before = client.seen.size();
        client.eng.receive(hex_bytes(line["hex"]));
        client.settle(now);
        if (d["side"] == "responder") {
          // the reply reached the call it belongs to, as the right kind of event
          REQUIRE(client.seen.size() > before);
          const event& ev = client.seen[before];
          CHECK(ev.conv.ours);
          CHECK(ev.conv.wid == wid);
          const std::string flags = d["flags"];
          if (flags == "final") CHECK(ev.type == event_type::final);
          if (flags == "error") CHECK(ev.type == event_type::error);
          if (flags == "stream")
            CHECK((ev.type == event_type::opened || ev.type == event_type::item));
          CHECK(ev.data == payload_of(d));
        }
      }
      ++lines_checked;
    }
    CHECK(client.sent.empty());
    CHECK(client.eng.conversations() == 0);
  }
  CHECK(lines_checked == 54);
}
