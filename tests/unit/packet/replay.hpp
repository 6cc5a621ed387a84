// Test drivers for the packet engine: a server with the demo handlers on a virtual clock,
// and helpers to split a byte stream into packets.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/connection.hpp"
#include "wirekit/packet/demo_handlers.hpp"

namespace wirekit::test {

// Hex of every whole packet in wire, in order (the tail that is not a packet is ignored).
inline std::vector<std::string> split_packets(byte_view wire) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < wire.size()) {
    const auto d = packet::decode(wire.subspan(pos));
    if (d.status != packet::decode_status::complete) break;
    out.push_back(to_hex(wire.subspan(pos, d.consumed)));
    pos += d.consumed;
  }
  return out;
}

// A server like `pktconn serve --demo`: quick handlers answer at once; slow ones (rq_type 6)
// wait on a virtual clock until the test lets time pass with complete_next().
class demo_server {
 public:
  explicit demo_server(packet::connection_config config = {}) : conn(config) {}

  void receive(byte_view data) {
    conn.receive(data);
    settle();
  }
  void receive_end() {
    conn.receive_end();
    settle();
  }
  bool has_slow() const { return !slow_.empty(); }
  // Time passes until the earliest slow handler is done, which then answers.
  void complete_next() {
    auto it = std::min_element(slow_.begin(), slow_.end(), [](const auto& a, const auto& b) {
      return a.due != b.due ? a.due < b.due : a.seq < b.seq;
    });
    const auto s = *it;
    slow_.erase(it);
    now_ = std::max(now_, s.due);
    conn.respond(s.channel, s.tag, s.result.ok, s.result.flags, s.result.payload);
    settle();
  }
  // Everything written so far, split into packets.
  std::vector<std::string> packets_out() const { return split_packets(written); }

  packet::connection conn;
  bytes written;
  std::vector<packet::event> events;

 private:
  struct slow_answer {
    std::chrono::microseconds due;
    std::uint64_t seq;
    std::uint64_t channel, tag;
    packet::handler_result result;
  };

  void settle() {
    for (;;) {
      bytes out;
      conn.take_output(out);
      append(written, out);
      auto e = conn.poll_event();
      if (!e) {
        if (!conn.has_output()) return;
        continue;
      }
      if (e->kind == packet::event_kind::request) {
        auto a = packet::demo_handle(e->rq_type, e->flags, e->payload);
        if (a.delay.count() > 0) {
          slow_.push_back({now_ + a.delay, seq_++, e->channel, e->tag, std::move(a.result)});
        } else {
          conn.respond(e->channel, e->tag, a.result.ok, a.result.flags, a.result.payload);
        }
      } else if (e->kind == packet::event_kind::receive_ended) {
        conn.close();  // as pktconn serve does: the reference's `with conn: join_recv()`
      }
      events.push_back(std::move(*e));
    }
  }

  std::vector<slow_answer> slow_;
  std::chrono::microseconds now_{0};
  std::uint64_t seq_ = 0;
};

}  // namespace wirekit::test
