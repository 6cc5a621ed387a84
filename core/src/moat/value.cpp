#include "wirekit/moat/value.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace wirekit::moat {

namespace {

std::string strip_leading_zeros(std::string_view mag) {
  std::size_t i = 0;
  while (i < mag.size() && mag[i] == '\0')
    ++i;
  return std::string(mag.substr(i));
}

// Big-endian magnitude ± 1, in place.
void add_one(std::string& mag) {
  for (std::size_t i = mag.size(); i-- > 0;) {
    auto b = static_cast<unsigned char>(mag[i]);
    mag[i] = static_cast<char>(b + 1);
    if (b != 0xff) return;
  }
  mag.insert(mag.begin(), '\1');
}

void sub_one(std::string& mag) {  // mag > 0
  for (std::size_t i = mag.size(); i-- > 0;) {
    auto b = static_cast<unsigned char>(mag[i]);
    mag[i] = static_cast<char>(b - 1);
    if (b != 0) break;
  }
  mag = strip_leading_zeros(mag);
}

std::string magnitude_of(std::uint64_t v) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  return strip_leading_zeros(out);
}

std::string decimal_of_magnitude(std::string mag) {
  mag = strip_leading_zeros(mag);
  if (mag.empty()) return "0";
  std::string digits;
  while (!mag.empty()) {
    unsigned rem = 0;
    for (auto& c : mag) {
      const unsigned cur = rem * 256 + static_cast<unsigned char>(c);
      c = static_cast<char>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
    mag = strip_leading_zeros(mag);
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Spelled out: GCC 12 warns falsely (-Wrestrict) on "-" + std::string.
std::string negative_decimal(const std::string& mag) {
  std::string out(1, '-');
  out.append(decimal_of_magnitude(mag));
  return out;
}

}  // namespace

value value::undefined() {
  value v;
  v.kind_ = kind::undefined;
  return v;
}

value value::boolean(bool b) {
  value v;
  v.kind_ = kind::boolean;
  v.uint_ = b ? 1 : 0;
  return v;
}

value value::integer(std::int64_t i) {
  if (i >= 0) return cbor_integer(false, static_cast<std::uint64_t>(i));
  return cbor_integer(true, static_cast<std::uint64_t>(-1 - i));
}

value value::uinteger(std::uint64_t i) {
  return cbor_integer(false, i);
}

value value::cbor_integer(bool negative, std::uint64_t arg) {
  value v;
  v.kind_ = kind::integer;
  v.negative_ = negative;
  v.uint_ = arg;
  return v;
}

value value::big(bool negative, std::string_view magnitude) {
  std::string mag = strip_leading_zeros(magnitude);
  if (mag.size() <= 8) {
    std::uint64_t n = 0;
    for (char c : mag)
      n = (n << 8) | static_cast<unsigned char>(c);
    return cbor_integer(negative, n);
  }
  value v;
  v.kind_ = kind::bignum;
  v.negative_ = negative;
  v.str_ = std::move(mag);
  return v;
}

value value::floating(double d) {
  value v;
  v.kind_ = kind::floating;
  v.real_ = d;
  return v;
}

value value::text(std::string s) {
  value v;
  v.kind_ = kind::text;
  v.str_ = std::move(s);
  return v;
}

value value::byte_string(std::string raw) {
  value v;
  v.kind_ = kind::bytes;
  v.str_ = std::move(raw);
  return v;
}

value value::byte_string(byte_view raw) {
  return byte_string(to_string(raw));
}

value value::array(std::vector<value> items) {
  value v;
  v.kind_ = kind::array;
  v.items_ = std::move(items);
  return v;
}

value value::map(std::vector<std::pair<value, value>> entries) {
  value v;
  v.kind_ = kind::map;
  v.items_.reserve(entries.size() * 2);
  for (auto& [k, x] : entries) {
    v.items_.push_back(std::move(k));
    v.items_.push_back(std::move(x));
  }
  return v;
}

value value::tagged(std::uint64_t tag, value inner) {
  value v;
  v.kind_ = kind::tag;
  v.uint_ = tag;
  v.items_.push_back(std::move(inner));
  return v;
}

value value::simple(std::uint8_t n) {
  value v;
  v.kind_ = kind::simple;
  v.uint_ = n;
  return v;
}

const value& empty_map() {
  static const value m = value::map();
  return m;
}

std::optional<std::int64_t> value::as_int64() const {
  if (kind_ != kind::integer) return std::nullopt;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (uint_ > max) return std::nullopt;
  const auto i = static_cast<std::int64_t>(uint_);
  return negative_ ? -1 - i : i;
}

void value::map_insert(value k, value v) {
  items_.push_back(std::move(k));
  items_.push_back(std::move(v));
}

const value* value::find(std::string_view text_key) const {
  if (kind_ != kind::map) return nullptr;
  for (std::size_t i = 0; i + 1 < items_.size(); i += 2) {
    if (items_[i].kind_ == kind::text && items_[i].str_ == text_key) return &items_[i + 1];
  }
  return nullptr;
}

bool operator==(const value& a, const value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case kind::null:
    case kind::undefined:
      return true;
    case kind::integer:
      return a.negative_ == b.negative_ && a.uint_ == b.uint_;
    case kind::bignum:
      return a.negative_ == b.negative_ && a.str_ == b.str_;
    case kind::bytes:
    case kind::text:
      return a.str_ == b.str_;
    case kind::simple:
    case kind::boolean:
      return a.uint_ == b.uint_;
    case kind::floating:
      if (std::isnan(a.real_) && std::isnan(b.real_)) return true;  // CBOR has one NaN for us
      return std::memcmp(&a.real_, &b.real_, sizeof a.real_) == 0;
    case kind::tag:
      return a.uint_ == b.uint_ && a.items_ == b.items_;
    case kind::array:
    case kind::map:
      return a.items_ == b.items_;
  }
  return false;
}

std::string to_decimal(const value& v) {
  if (v.type() == kind::integer) {
    if (!v.negative()) return std::to_string(v.cbor_arg());
    std::string mag = magnitude_of(v.cbor_arg());
    add_one(mag);
    return negative_decimal(mag);
  }
  if (v.type() == kind::bignum) {
    if (!v.negative()) return decimal_of_magnitude(v.str());
    std::string mag = v.str();
    add_one(mag);
    return negative_decimal(mag);
  }
  return {};
}

std::optional<value> from_decimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 4096) return std::nullopt;
  std::string mag;  // big-endian
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (std::size_t i = mag.size(); i-- > 0;) {
      const unsigned cur = static_cast<unsigned char>(mag[i]) * 10u + carry;
      mag[i] = static_cast<char>(cur & 0xff);
      carry = cur >> 8;
    }
    while (carry) {
      mag.insert(mag.begin(), static_cast<char>(carry & 0xff));
      carry >>= 8;
    }
  }
  mag = strip_leading_zeros(mag);
  if (negative) {
    if (mag.empty()) return value::integer(0);  // "-0"
    sub_one(mag);
  }
  return value::big(negative, mag);
}

}  // namespace wirekit::moat
