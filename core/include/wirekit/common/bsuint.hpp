// BSUInt (cs.binary): big-endian base-128 unsigned integers. Every byte but the last has
// its high bit set. Encoding is minimal; decoding accepts non-minimal forms (80 00 is 0).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wirekit/common/bytes.hpp"

namespace wirekit::bsuint {

// 64 bits need at most 10 groups of 7 bits (the longest minimal encoding). A decoder
// accepts leading zero groups (cs.packetstream peers send 11-byte encodings of 0), but
// stops at max_decoded_bytes so an endless run of 0x80 cannot stall it.
inline constexpr std::size_t max_encoded_bytes = 10;
inline constexpr std::size_t max_decoded_bytes = 16;

void encode(std::uint64_t value, bytes& out);
bytes encode(std::uint64_t value);
std::size_t encoded_size(std::uint64_t value);

enum class decode_status {
  complete,   // value and consumed are set
  need_more,  // the input ends inside the integer
  too_long,   // more than max_decoded_bytes bytes
  overflow,   // the value does not fit in 64 bits
};

struct decode_result {
  decode_status status;
  std::uint64_t value = 0;
  std::size_t consumed = 0;
};

decode_result decode(byte_view input);

}  // namespace wirekit::bsuint
