#include "wirekit/moat/cbor_encode.hpp"

#include <cbor.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>

namespace wirekit::moat {

namespace {

// Enough for any head: one initial byte plus an 8-byte argument.
inline constexpr std::size_t max_head_bytes = 9;

// The shortest head for arg, as every CBOR encoder writes it (and libcbor did for us before):
// inline below 24, then 1, 2, 4 or 8 big-endian bytes. Written in one step: it is on the path
// of every message.
void put_head(bytes& out, unsigned major, std::uint64_t arg) {
  if (arg < 24) {  // most heads of small messages: one byte
    out.push_back(std::byte(static_cast<unsigned char>((major << 5) | arg)));
    return;
  }
  std::array<std::byte, max_head_bytes> b{};
  const auto m = static_cast<unsigned char>(major << 5);
  std::size_t len = 0;  // argument bytes after the initial byte
  if (arg <= 0xff) {
    b[0] = std::byte(m | 24);
    len = 1;
  } else if (arg <= 0xffff) {
    b[0] = std::byte(m | 25);
    len = 2;
  } else if (arg <= 0xffffffff) {
    b[0] = std::byte(m | 26);
    len = 4;
  } else {
    b[0] = std::byte(m | 27);
    len = 8;
  }
  for (std::size_t i = 0; i < len; ++i)
    b[1 + i] = std::byte((arg >> (8 * (len - 1 - i))) & 0xff);
  out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(1 + len));
}

}  // namespace

void encode_head(bytes& out, unsigned major, std::uint64_t arg) {
  put_head(out, major, arg);
}

namespace {

void put_raw(bytes& out, const std::string& s) {
  append(out, as_bytes(s));
}

// The half-precision bits of f if f is exactly representable as a half, subnormals included.
std::optional<std::uint16_t> exact_half(float f) {
  const auto bits = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000);
  const int exp = static_cast<int>((bits >> 23) & 0xff);
  const std::uint32_t mant = bits & 0x7fffff;
  if (exp == 0 && mant == 0) return sign;
  if (exp == 0xff) {
    if (mant == 0) return static_cast<std::uint16_t>(sign | 0x7c00);
    return std::nullopt;  // NaN: the caller writes the canonical double
  }
  if (exp == 0) return std::nullopt;  // float subnormals are far below the half range
  const int e = exp - 127;
  if (e >= -14 && e <= 15) {
    if (mant & 0x1fff) return std::nullopt;
    return static_cast<std::uint16_t>(sign | ((e + 15) << 10) | (mant >> 13));
  }
  if (e >= -24 && e < -14) {
    const std::uint32_t full = mant | 0x800000;
    const int shift = -(e + 1);
    if (full & ((1u << shift) - 1)) return std::nullopt;
    return static_cast<std::uint16_t>(sign | (full >> shift));
  }
  return std::nullopt;
}

void put_float(bytes& out, double d) {
  std::array<unsigned char, max_head_bytes> buf{};
  std::size_t n = 0;
  if (std::isnan(d)) {
    static constexpr std::array<unsigned char, 9> canonical_nan{0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    buf = canonical_nan;
    n = canonical_nan.size();
  } else if (const auto f = static_cast<float>(d); static_cast<double>(f) == d) {
    if (const auto h = exact_half(f)) {
      buf[0] = 0xf9;
      buf[1] = static_cast<unsigned char>(*h >> 8);
      buf[2] = static_cast<unsigned char>(*h & 0xff);
      n = 3;
    } else {
      n = cbor_encode_single(f, buf.data(), buf.size());
    }
  } else {
    n = cbor_encode_double(d, buf.data(), buf.size());
  }
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(std::byte{buf[i]});
}

}  // namespace

void encode_to(bytes& out, const value& v) {
  switch (v.type()) {
    case kind::integer:
      put_head(out, v.negative() ? major_negint : major_uint, v.cbor_arg());
      return;
    case kind::bignum:
      put_head(out, major_tag, v.negative() ? 3 : 2);
      put_head(out, major_bytes, v.str().size());
      put_raw(out, v.str());
      return;
    case kind::bytes:
      put_head(out, major_bytes, v.str().size());
      put_raw(out, v.str());
      return;
    case kind::text:
      put_head(out, major_text, v.str().size());
      put_raw(out, v.str());
      return;
    case kind::array:
      put_head(out, major_array, v.items().size());
      for (const auto& item : v.items())
        encode_to(out, item);
      return;
    case kind::map:
      put_head(out, major_map, v.map_size());
      for (const auto& item : v.items())
        encode_to(out, item);
      return;
    case kind::tag:
      put_head(out, major_tag, v.tag_number());
      encode_to(out, v.tag_content());
      return;
    case kind::simple:
      if (v.simple_number() < 24) {
        out.push_back(std::byte{static_cast<unsigned char>(0xe0 | v.simple_number())});
      } else {
        out.push_back(std::byte{0xf8});
        out.push_back(std::byte{v.simple_number()});
      }
      return;
    case kind::boolean:
      out.push_back(std::byte{static_cast<unsigned char>(v.as_bool() ? 0xf5 : 0xf4)});
      return;
    case kind::null:
      out.push_back(std::byte{0xf6});
      return;
    case kind::undefined:
      out.push_back(std::byte{0xf7});
      return;
    case kind::floating:
      put_float(out, v.as_double());
      return;
  }
}

bytes encode(const value& v) {
  bytes out;
  encode_to(out, v);
  return out;
}

}  // namespace wirekit::moat
