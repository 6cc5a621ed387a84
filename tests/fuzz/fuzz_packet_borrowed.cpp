// The engine's zero-copy path as pktconn serve --echo drives it: reads of any size into
// input_space(), big answers sent from the receive buffer (take_output(output&) with
// keepers), and writes that stay in flight for a while. The fuzz input shapes the traffic
// (payload sizes around borrow_min_bytes, read sizes, how many writes are held); the peer's
// requests carry position-dependent bytes, so an answer whose borrowed bytes were moved or
// overwritten before its write ended is caught when the write is checked. Now and then the
// driver reads again before it polls the events of the last read, as a careless one would:
// the payloads of those events must survive that read too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/connection.hpp"

using namespace wirekit;

namespace {

std::byte pattern(std::uint64_t tag, std::size_t i) {
  return static_cast<std::byte>((tag * 131 + i * 7 + (i >> 9)) & 0xff);
}

// Input bytes, taken one at a time; zeros once they run out.
struct script {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  std::uint8_t next() { return pos < size ? data[pos++] : 0; }
  bool done() const { return pos >= size; }
};

// The written bytes as the peer would read them: every answer must be an ok response to a
// request of ours, once, with the request's payload.
struct peer_reader {
  bytes pending;
  std::vector<std::size_t> request_size;  // by tag - 2
  std::vector<bool> answered;
  std::size_t answers = 0;

  void take(byte_view written) {
    pending.insert(pending.end(), written.begin(), written.end());
    std::size_t used = 0;
    for (;;) {
      const auto r = packet::decode(byte_view(pending).subspan(used), std::size_t{1} << 20);
      if (r.status == packet::decode_status::need_more) break;
      if (r.status != packet::decode_status::complete) __builtin_trap();
      const auto& p = r.value;
      used += r.consumed;
      if (p.is_control()) continue;  // our EOF at the end
      if (p.is_request || !p.ok || p.tag < 2 || p.tag - 2 >= request_size.size()) __builtin_trap();
      const auto index = static_cast<std::size_t>(p.tag - 2);
      if (answered[index] || p.payload.size() != request_size[index]) __builtin_trap();
      for (std::size_t i = 0; i < p.payload.size(); ++i) {
        if (p.payload[i] != pattern(p.tag, i)) __builtin_trap();
      }
      answered[index] = true;
      ++answers;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
  }
};

// A write in flight: the engine's output, checked only when it "ends".
void finish_write(packet::output& out, peer_reader& peer) {
  if (out.pieces.empty()) {
    peer.take(out.owned);
  } else {
    for (const auto piece : out.pieces)
      peer.take(piece);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  script in{data, size};
  // The peer's byte stream: requests with tags 2, 3, … and payloads of 0 to ~100 KiB, many
  // near borrow_min_bytes (16 KiB), where the engine switches to sending from its buffer.
  peer_reader peer;
  bytes stream;
  const std::size_t requests = 1 + in.next() % 24;
  for (std::size_t i = 0; i < requests; ++i) {
    const std::uint64_t tag = 2 + i;
    const auto shape = in.next();
    std::size_t length = 0;
    switch (shape % 4) {
      case 0:
        length = shape / 4;  // small, copied into the output
        break;
      case 1:
        length = packet::borrow_min_bytes - 32 + shape / 4;  // either side of the threshold
        break;
      default:
        length = packet::borrow_min_bytes + std::size_t{in.next()} * 331 + shape;
        break;
    }
    bytes payload(length);
    for (std::size_t k = 0; k < length; ++k)
      payload[k] = pattern(tag, k);
    packet::packet p;
    p.is_request = true;
    p.tag = tag;
    p.rq_type_wire = 1;
    p.payload = payload;
    if (packet::encode(p, stream, std::size_t{1} << 20) != packet::encode_status::ok) {
      __builtin_trap();
    }
    peer.request_size.push_back(length);
  }
  peer.answered.assign(requests, false);

  packet::connection_config config;
  config.accepts_requests = true;
  config.copy_payloads = false;
  config.limits.max_packet_bytes = std::size_t{1} << 20;
  config.limits.max_inflight = 1 + in.next() % 64;
  config.limits.max_output_bytes = std::size_t{16} << (in.next() % 8);
  packet::connection c(config);

  std::deque<packet::output> in_flight;
  const std::size_t max_held = in.next() % 6;  // writes that have not ended yet
  // Taking output lets a paused engine parse on, which makes more events: until neither is left.
  auto settle = [&] {
    for (int guard = 0; guard < 100000; ++guard) {
      bool progress = false;
      while (auto e = c.poll_event()) {
        progress = true;
        if (e->kind == packet::event_kind::request) {
          c.respond(e->channel, e->tag, true, 0, e->payload_view);  // echo
        } else if (e->kind == packet::event_kind::receive_ended) {
          c.close();
        }
      }
      while (c.has_output()) {
        progress = true;
        in_flight.emplace_back();
        c.take_output(in_flight.back());
        while (in_flight.size() > max_held) {
          finish_write(in_flight.front(), peer);
          in_flight.pop_front();
        }
      }
      if (!progress) return;
    }
    __builtin_trap();  // an engine that never runs out of events
  };

  std::size_t fed = 0;
  for (int guard = 0; fed < stream.size() && guard < 100000; ++guard) {
    if (!c.wants_input()) {
      if (c.has_events()) {
        settle();
        continue;
      }
      // Well-formed requests never end the input; a stalled engine resumes as writes end.
      if (!c.receive_open() || in_flight.empty()) __builtin_trap();
      finish_write(in_flight.front(), peer);
      in_flight.pop_front();
      settle();
      continue;
    }
    // The session asks for 64 KiB or 256 KiB; a pipe gives at most 64 KiB, a socket more.
    const std::size_t ask = (in.next() & 1) ? (std::size_t{64} << 10) : (std::size_t{256} << 10);
    const auto room = c.input_space(ask);
    if (room.size() < ask) __builtin_trap();
    const std::size_t want = 1 + (std::size_t{in.next()} << 10) + in.next();
    const std::size_t n = std::min({want, room.size(), stream.size() - fed});
    std::memcpy(room.data(), stream.data() + fed, n);
    fed += n;
    c.input_written(n);
    if ((in.next() & 3) != 0) settle();
  }
  c.receive_end();
  settle();
  c.close();
  settle();
  while (!in_flight.empty()) {
    finish_write(in_flight.front(), peer);
    in_flight.pop_front();
  }
  if (!c.finished() || c.inflight() != 0) __builtin_trap();
  if (fed == stream.size() && peer.answers != requests) __builtin_trap();
  return 0;
}
