// Byte buffers and views shared by every part of wirekit.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wirekit {

using bytes = std::vector<std::byte>;
using byte_view = std::span<const std::byte>;

inline byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline std::string_view as_chars(byte_view b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline bytes to_bytes(std::string_view s) {
  const auto v = as_bytes(s);
  return {v.begin(), v.end()};
}

inline std::string to_string(byte_view b) {
  return std::string(as_chars(b));
}

inline void append(bytes& out, byte_view more) {
  out.insert(out.end(), more.begin(), more.end());
}

inline const unsigned char* as_uchars(byte_view b) {
  return reinterpret_cast<const unsigned char*>(b.data());
}

inline unsigned char* as_uchars(std::span<std::byte> b) {
  return reinterpret_cast<unsigned char*>(b.data());
}

}  // namespace wirekit
