#include "wirekit/memo/mid.hpp"

#include <algorithm>

#include "wirekit/common/base64url.hpp"
#include "wirekit/memo/ed25519.hpp"

namespace wirekit::memo {

mid_raw random_mid() {
  mid_raw raw{};
  random_bytes(raw);
  raw[6] = (raw[6] & std::byte{0x0f}) | std::byte{0x40};  // version 4
  raw[8] = (raw[8] & std::byte{0x3f}) | std::byte{0x80};  // RFC 4122 variant
  return raw;
}

std::string mid_text(std::string_view prefix, const mid_raw& raw) {
  bytes padded(2, std::byte{0});
  append(padded, raw);
  return std::string(prefix) + base64url::encode(padded).substr(2);
}

std::optional<mid_raw> parse_mid(std::string_view text) {
  if (text.size() != mid_chars) return std::nullopt;
  const auto qb2 = base64url::decode(text);
  if (!qb2 || qb2->size() != 2 + mid_raw_bytes) return std::nullopt;
  if ((std::to_integer<unsigned>((*qb2)[1]) & 0x0f) != 0) return std::nullopt;  // pad bits
  mid_raw raw{};
  std::copy(qb2->begin() + 2, qb2->end(), raw.begin());
  return raw;
}

}  // namespace wirekit::memo
