// base64url (RFC 4648 §5) without padding, the alphabet CESR is written in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wirekit/common/bytes.hpp"

namespace wirekit::base64url {

// The value 0–63 of one base64url character, or -1 for any other character.
int sextet_value(char c);
char sextet_char(unsigned value);

// Never writes '='.
std::string encode(byte_view data);

// Strict: only alphabet characters, no '=', and a length that is not 1 mod 4. The unused
// low bits of the last character must be zero, so every text has one decoding.
std::optional<bytes> decode(std::string_view text);

// Big-endian digits, left-padded with 'A' to at least min_chars (hio intToB64).
std::string encode_int(std::uint64_t value, std::size_t min_chars);

// Inverse of encode_int; nullopt on a non-alphabet character or more than 64 bits.
std::optional<std::uint64_t> decode_int(std::string_view text);

}  // namespace wirekit::base64url
