#include "wirekit/memo/display.hpp"

#include "wirekit/common/base64url.hpp"

#include <cstdint>
#include <string_view>

namespace wirekit::memo {

bool is_utf8(byte_view data) {
  std::size_t i = 0;
  const std::size_t n = data.size();
  auto at = [&](std::size_t k) { return std::to_integer<unsigned>(data[k]); };
  while (i < n) {
    const unsigned c = at(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (at(i + 1) < lo || at(i + 1) > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if ((at(i + k) & 0xc0) != 0x80) return false;
    i += len;
  }
  return true;
}

std::string to_base64(byte_view data) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return std::to_integer<std::uint32_t>(data[k]); };
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const std::size_t left = data.size() - i; left > 0) {
    const std::uint32_t v = at(i) << 16 | (left == 2 ? at(i + 1) << 8 : 0);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<bytes> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string url(text);
  std::size_t pad = 0;
  while (!url.empty() && url.back() == '=' && pad < 2) {
    url.pop_back();
    ++pad;
  }
  for (char& c : url) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
    else if (c == '-' || c == '_')
      return std::nullopt;  // base64url characters are not base64
  }
  return base64url::decode(url);
}

}  // namespace wirekit::memo
