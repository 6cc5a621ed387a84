// A demo server engine fed arbitrary bytes in small pieces, with virtual time passing: it
// must never crash, its output must stay decodable, and its tables must stay bounded.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wirekit/moat/cbor_decoder.hpp"
#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moat/engine.hpp"

using namespace wirekit;
using namespace wirekit::moat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the dialect and how the input is cut.
  const dialect d = (data[0] & 1) ? dialect::v0_4 : dialect::v0_3;
  const std::size_t piece = 1 + (data[0] >> 1) % 64;
  engine_limits limits;
  limits.max_conversations = 32;
  limits.max_queued_bytes = 1 << 16;
  limits.cbor.max_item_bytes = 1 << 16;
  engine e(d, limits);
  demo_commands demo;
  demo_commands::time_point now{};
  cbor_decoder check;
  const byte_view in(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  for (std::size_t at = 0; at < in.size() || demo.next_deadline();) {
    if (at < in.size()) {
      const std::size_t n = std::min(piece, in.size() - at);
      e.receive(in.subspan(at, n));
      at += n;
    } else {
      now = *demo.next_deadline();
    }
    while (auto ev = e.poll_event())
      demo.on_event(e, *ev, now);
    demo.on_timer(e, now);
    check.feed(e.take_output());
    value v;
    decode_result r;
    while ((r = check.next(v)).status == decode_status::complete) {
    }
    if (r.status == decode_status::bad) std::abort();  // we wrote something undecodable
    if (e.conversations() > limits.max_conversations) std::abort();
    if (e.failed()) break;
  }
  // After EOF only commands already received are still answered: pending sleeps finish,
  // then nothing is left.
  e.receive_eof();
  for (int i = 0; i < 10000; ++i) {
    while (auto ev = e.poll_event())
      demo.on_event(e, *ev, now);
    demo.on_timer(e, now);
    const auto due = demo.next_deadline();
    if (!due) break;
    now = *due;
  }
  while (auto ev = e.poll_event())
    demo.on_event(e, *ev, now);
  if (e.conversations() != 0 || !e.failed()) std::abort();
  return 0;
}
