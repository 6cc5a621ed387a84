// The packet codec as a stream decoder over arbitrary bytes: it must never read out of
// bounds, and every packet it accepts must survive a minimal re-encode unchanged.
#include <cstddef>
#include <cstdint>

#include "wirekit/packet/codec.hpp"

using namespace wirekit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(reinterpret_cast<const std::byte*>(data), size);
  // A small maximum too, so the size check is reached by short inputs.
  for (const std::size_t max : {packet::default_max_packet_bytes, std::size_t{64}}) {
    std::size_t pos = 0;
    while (pos < input.size()) {
      const auto d = packet::decode(input.subspan(pos), max);
      if (d.status != packet::decode_status::complete) break;
      if (d.consumed == 0 || d.consumed > input.size() - pos) __builtin_trap();
      bytes again;
      if (packet::encode(d.value, again) != packet::encode_status::ok) __builtin_trap();
      const auto r = packet::decode(again);
      if (r.status != packet::decode_status::complete || r.consumed != again.size())
        __builtin_trap();
      const auto& a = d.value;
      const auto& b = r.value;
      if (a.is_request != b.is_request || a.channel != b.channel || a.tag != b.tag ||
          a.flags != b.flags || a.ok != b.ok || a.rq_type_wire != b.rq_type_wire ||
          to_string(a.payload) != to_string(b.payload) || again.size() > d.consumed)
        __builtin_trap();
      pos += d.consumed;
    }
  }
  return 0;
}
