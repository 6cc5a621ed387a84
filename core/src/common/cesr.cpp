#include "wirekit/common/cesr.hpp"

#include <cassert>

#include "wirekit/common/base64url.hpp"

namespace wirekit::cesr {

const code_spec* vid_spec(char code) {
  switch (code) {
    case 'B':
      return &ed25519_verkey_basic;
    case 'D':
      return &ed25519_verkey;
    case 'E':
      return &blake3_digest;
    default:
      return nullptr;
  }
}

std::string encode_qb64(const code_spec& spec, byte_view raw) {
  assert(raw.size() == spec.raw_bytes && spec.code.size() == spec.pad_bytes());
  bytes padded(spec.pad_bytes(), std::byte{0});
  append(padded, raw);
  return std::string(spec.code) + base64url::encode(padded).substr(spec.pad_bytes());
}

bytes encode_qb2(const code_spec& spec, byte_view raw) {
  // Decoding the text form never fails for an encoding we just made.
  return *base64url::decode(encode_qb64(spec, raw));
}

std::optional<bytes> decode_qb2(const code_spec& spec, byte_view qb2) {
  if (qb2.size() != spec.qb2_bytes()) return std::nullopt;
  const std::string head = base64url::encode(qb2.first(3)).substr(0, spec.code.size());
  if (head != spec.code) return std::nullopt;
  const std::size_t pad = spec.pad_bytes();
  const auto pad_mask = static_cast<unsigned>((1u << (2 * pad)) - 1);
  if ((std::to_integer<unsigned>(qb2[pad - 1]) & pad_mask) != 0) return std::nullopt;
  const auto raw = qb2.subspan(pad);
  return bytes(raw.begin(), raw.end());
}

std::optional<bytes> decode_qb64(const code_spec& spec, std::string_view text) {
  if (text.size() != spec.qb64_chars() || !text.starts_with(spec.code)) return std::nullopt;
  const auto qb2 = base64url::decode(text);
  if (!qb2) return std::nullopt;
  return decode_qb2(spec, *qb2);
}

}  // namespace wirekit::cesr
