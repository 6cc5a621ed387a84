// The connection engine fed arbitrary peer bytes in arbitrary chunks, with a handler that
// answers some requests at once and holds others: it must keep its bounds, never answer a
// tag twice, and always reach a finished state after close and end of input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "wirekit/packet/connection.hpp"

using namespace wirekit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned mode = data[0];
  const unsigned chunk = 1 + data[1] % 17;
  // The high bit of the second byte: input through input_space()/input_written() and
  // payloads only as views (the zero-copy path pktconn uses).
  const bool zero_copy = (data[1] & 0x80) != 0;
  packet::connection_config config;
  config.accepts_requests = (mode & 1) == 0;
  config.limits.max_inflight = 1 + (mode >> 1) % 4;
  config.limits.max_output_bytes = (mode & 8) ? 64 : 4096;
  config.limits.max_events = (mode & 16) ? 2 : 64;
  config.limits.channels = (mode & 32) ? 3 : 1;
  config.limits.max_packet_bytes = (mode & 64) ? 32 : 4096;
  config.limits.max_tag_ranges = 4;
  config.trace = (mode & 128) != 0;
  config.copy_payloads = !zero_copy;
  packet::connection c(config);
  const byte_view input(reinterpret_cast<const std::byte*>(data + 2), size - 2);

  std::vector<std::pair<std::uint64_t, std::uint64_t>> held;
  std::set<std::pair<std::uint64_t, std::uint64_t>> answered;
  std::size_t answered_count = 0;
  bytes out;
  auto settle = [&] {
    for (int guard = 0; guard < 100000; ++guard) {
      c.take_output(out);
      if (out.size() > config.limits.max_output_bytes + 2 * config.limits.max_packet_bytes + 256)
        __builtin_trap();
      while (c.poll_trace()) {
      }
      auto e = c.poll_event();
      if (!e) return;
      if (c.inflight() > config.limits.max_inflight) __builtin_trap();
      if (e->kind == packet::event_kind::request) {
        if (!answered.insert({e->channel, e->tag}).second) __builtin_trap();
        if (!zero_copy && e->payload.size() != e->payload_view.size()) __builtin_trap();
        if (e->payload_view.size() % 2 == 0) {
          c.respond(e->channel, e->tag, true, e->flags, e->payload_view);
          ++answered_count;
        } else {
          held.emplace_back(e->channel, e->tag);
        }
      } else if (e->kind == packet::event_kind::receive_ended) {
        c.close();
      }
    }
    __builtin_trap();  // an engine that never runs out of events
  };

  // Our own requests interleave with the peer's bytes.
  if (mode & 4) c.submit(0, mode, input.first(input.size() < 8 ? input.size() : 8));
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
    const auto n = input.size() - pos < chunk ? input.size() - pos : chunk;
    if (zero_copy) {
      const auto room = c.input_space(n);
      if (room.size() < n) __builtin_trap();
      std::memcpy(room.data(), input.data() + pos, n);
      c.input_written(n);
    } else {
      c.receive(input.subspan(pos, n));
    }
    settle();
    if (!held.empty() && (pos / chunk) % 3 == 0) {
      const auto [ch, tag] = held.front();
      held.erase(held.begin());
      c.respond(ch, tag, false, 0, {});
      settle();
    }
  }
  c.receive_end();
  settle();
  // Answering a held request may let parsing go on and hold more: loop until none is left.
  while (!held.empty()) {
    const auto [ch, tag] = held.front();
    held.erase(held.begin());
    c.respond(ch, tag, true, 0, {});
    settle();
  }
  c.close();
  settle();
  if (!c.finished() || c.inflight() != 0 || c.pending() != 0) __builtin_trap();
  (void)answered_count;
  return 0;
}
