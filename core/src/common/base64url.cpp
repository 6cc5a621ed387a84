#include "wirekit/common/base64url.hpp"

namespace wirekit::base64url {

namespace {
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

int sextet_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

char sextet_char(unsigned value) {
  return alphabet[value & 0x3f];
}

std::string encode(byte_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const std::byte b : data) {
    acc = (acc << 8) | std::to_integer<std::uint32_t>(b);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(sextet_char(acc >> bits));
    }
  }
  if (bits > 0) out.push_back(sextet_char(acc << (6 - bits)));
  return out;
}

std::optional<bytes> decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = sextet_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::byte>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string encode_int(std::uint64_t value, std::size_t min_chars) {
  std::string out;
  do {
    out.insert(out.begin(), sextet_char(static_cast<unsigned>(value & 0x3f)));
    value >>= 6;
  } while (value != 0);
  if (out.size() < min_chars) out.insert(0, min_chars - out.size(), 'A');
  return out;
}

std::optional<std::uint64_t> decode_int(std::string_view text) {
  std::uint64_t value = 0;
  for (const char c : text) {
    const int v = sextet_value(c);
    if (v < 0 || (value >> 58) != 0) return std::nullopt;
    value = (value << 6) | static_cast<std::uint64_t>(v);
  }
  return value;
}

}  // namespace wirekit::base64url
