#include "wirekit/common/bsuint.hpp"

namespace wirekit::bsuint {

std::size_t encoded_size(std::uint64_t value) {
  std::size_t n = 1;
  while (value >>= 7)
    ++n;
  return n;
}

void encode(std::uint64_t value, bytes& out) {
  const std::size_t n = encoded_size(value);
  for (std::size_t i = n; i-- > 0;) {
    auto group = static_cast<unsigned>((value >> (7 * i)) & 0x7f);
    if (i != 0) group |= 0x80;
    out.push_back(static_cast<std::byte>(group));
  }
}

bytes encode(std::uint64_t value) {
  bytes out;
  encode(value, out);
  return out;
}

decode_result decode(byte_view input) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (i == max_decoded_bytes) return {decode_status::too_long};
    const auto b = std::to_integer<unsigned>(input[i]);
    if ((value >> 57) != 0) return {decode_status::overflow};
    value = (value << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) return {decode_status::complete, value, i + 1};
  }
  if (input.size() >= max_decoded_bytes) return {decode_status::too_long};
  return {decode_status::need_more};
}

}  // namespace wirekit::bsuint
