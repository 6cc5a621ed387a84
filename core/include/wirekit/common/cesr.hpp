// The few CESR qualified primitives wirekit needs: a code of 1 or 2 base64url characters
// followed by raw bytes, 24-bit aligned. qb64 is the text form, qb2 the binary form; qb2 is
// exactly the base64url decoding of qb64. With pad p = (3 - raw % 3) % 3 (always equal to
// the code length here), qb64 = code + base64url(p zero bytes + raw) without its first p
// characters, and qb2 = code sextets, 2p zero pad bits, raw.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "wirekit/common/bytes.hpp"

namespace wirekit::cesr {

struct code_spec {
  std::string_view code;
  std::size_t raw_bytes;

  std::size_t pad_bytes() const { return (3 - raw_bytes % 3) % 3; }
  std::size_t qb2_bytes() const { return pad_bytes() + raw_bytes; }
  std::size_t qb64_chars() const { return qb2_bytes() / 3 * 4; }
};

inline constexpr code_spec memo_id{"0A", 16};            // MID: 128-bit salt
inline constexpr code_spec ed25519_signature{"0B", 64};  // non-indexed signature
inline constexpr code_spec ed25519_seed{"A", 32};
inline constexpr code_spec ed25519_verkey_basic{"B", 32};  // non-transferable
inline constexpr code_spec ed25519_verkey{"D", 32};        // transferable
inline constexpr code_spec blake3_digest{"E", 32};

// The spec of a verifier id by its code: B (non-transferable verkey), D (transferable
// verkey) or E (digest); nullptr for any other code.
const code_spec* vid_spec(char code);

// Requires raw.size() == spec.raw_bytes and a code whose length equals the pad.
std::string encode_qb64(const code_spec& spec, byte_view raw);
bytes encode_qb2(const code_spec& spec, byte_view raw);

// The raw bytes, or nullopt when the length, the code or the pad bits are wrong.
std::optional<bytes> decode_qb64(const code_spec& spec, std::string_view text);
std::optional<bytes> decode_qb2(const code_spec& spec, byte_view qb2);

}  // namespace wirekit::cesr
