// One CBOR data item as MoaT-Cmd carries it: every major type, 64-bit and bignum integers,
// tags kept as they came, simple values, undefined, and floats (width chosen on encode).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wirekit/common/bytes.hpp"

namespace wirekit::moat {

enum class kind : std::uint8_t {
  integer,  // major 0/1: negative_ false → uint_, true → -1 - uint_
  bignum,   // tags 2/3 beyond 64 bits: magnitude n in str_ (big-endian, no leading zero)
  bytes,    // str_ holds the raw bytes
  text,     // str_ holds UTF-8
  array,    // items_
  map,      // items_ holds key, value, key, value… in wire order
  tag,      // uint_ is the tag number, items_[0] the tagged item
  simple,   // simple value uint_ other than false/true/null/undefined
  boolean,  // uint_ 0 or 1
  null,
  undefined,
  floating,  // real_
};

class value {
 public:
  value() = default;  // null

  static value null() { return value{}; }
  static value undefined();
  static value boolean(bool b);
  static value integer(std::int64_t v);
  static value uinteger(std::uint64_t v);
  // CBOR's own form: negative → -1 - arg.
  static value cbor_integer(bool negative, std::uint64_t arg);
  // Tag 2/3 semantics: value = n or -1 - n, n a big-endian magnitude. Normalised: anything
  // that fits the 64-bit heads becomes kind::integer.
  static value big(bool negative, std::string_view magnitude);
  static value floating(double d);
  static value text(std::string s);
  static value byte_string(std::string raw);
  static value byte_string(byte_view raw);
  static value array(std::vector<value> items = {});
  static value map(std::vector<std::pair<value, value>> entries = {});
  static value tagged(std::uint64_t tag, value inner);
  static value simple(std::uint8_t n);

  kind type() const { return kind_; }
  bool is(kind k) const { return kind_ == k; }
  bool is_null() const { return kind_ == kind::null; }
  bool is_integer() const { return kind_ == kind::integer; }
  bool is_text() const { return kind_ == kind::text; }
  bool is_array() const { return kind_ == kind::array; }
  bool is_map() const { return kind_ == kind::map; }

  // kind::integer
  bool negative() const { return negative_; }
  std::uint64_t cbor_arg() const { return uint_; }
  std::optional<std::int64_t> as_int64() const;
  // kind::tag / simple / boolean
  std::uint64_t tag_number() const { return uint_; }
  std::uint8_t simple_number() const { return static_cast<std::uint8_t>(uint_); }
  bool as_bool() const { return uint_ != 0; }
  double as_double() const { return real_; }
  // text, bytes, bignum magnitude
  const std::string& str() const { return str_; }
  // array elements, the tagged item ([0]), or map keys and values interleaved
  const std::vector<value>& items() const { return items_; }
  std::vector<value>& items() { return items_; }
  std::size_t map_size() const { return items_.size() / 2; }
  const value& map_key(std::size_t i) const { return items_[2 * i]; }
  const value& map_value(std::size_t i) const { return items_[2 * i + 1]; }
  void map_insert(value k, value v);
  const value& tag_content() const { return items_.front(); }
  // Looks up a text key in a map; nullptr if absent or not a map.
  const value* find(std::string_view text_key) const;

  // Structural equality; floats compare by bit pattern (0.0 != -0.0), any NaN equals NaN.
  friend bool operator==(const value& a, const value& b);

 private:
  kind kind_ = kind::null;
  bool negative_ = false;
  std::uint64_t uint_ = 0;
  double real_ = 0;
  std::string str_;
  std::vector<value> items_;
};

// One shared empty map: the default kwargs, without building a value per call.
const value& empty_map();

// Decimal text of an integer or bignum ("-18446744073709551616"); empty for other kinds.
std::string to_decimal(const value& v);
// Parses an optionally signed decimal into kind::integer or kind::bignum; nullopt on junk.
std::optional<value> from_decimal(std::string_view text);

}  // namespace wirekit::moat
