#include "wirekit/moat/json_mapping.hpp"

#include <cmath>
#include <limits>

#include "wirekit/common/hex.hpp"

namespace wirekit::moat {

json to_json(const value& v) {
  switch (v.type()) {
    case kind::integer: {
      if (!v.negative()) return json(v.cbor_arg());
      if (const auto i = v.as_int64()) return json(*i);
      return json{{"$bigint", to_decimal(v)}};
    }
    case kind::bignum:
      return json{{"$bigint", to_decimal(v)}};
    case kind::bytes:
      return json{{"$bytes", to_hex(as_bytes(v.str()))}};
    case kind::text:
      return json(v.str());
    case kind::array: {
      json a = json::array();
      for (const auto& item : v.items())
        a.push_back(to_json(item));
      return a;
    }
    case kind::map: {
      bool plain = true;
      json o = json::object();
      for (std::size_t i = 0; i < v.map_size() && plain; ++i) {
        const value& k = v.map_key(i);
        // a "$…" key could read back as notation
        if (!k.is_text() || o.contains(k.str()) || k.str().starts_with('$')) {
          plain = false;
          break;
        }
        o[k.str()] = to_json(v.map_value(i));
      }
      if (plain) return o;
      json pairs = json::array();
      for (std::size_t i = 0; i < v.map_size(); ++i)
        pairs.push_back(json::array({to_json(v.map_key(i)), to_json(v.map_value(i))}));
      return json{{"$map", std::move(pairs)}};
    }
    case kind::tag:
      return json{{"$tag", v.tag_number()}, {"value", to_json(v.tag_content())}};
    case kind::simple:
      return json{{"$simple", v.simple_number()}};
    case kind::boolean:
      return json(v.as_bool());
    case kind::null:
      return json(nullptr);
    case kind::undefined:
      return json{{"$undefined", true}};
    case kind::floating: {
      const double d = v.as_double();
      if (std::isnan(d)) return json{{"$float", "nan"}};
      if (std::isinf(d)) return json{{"$float", d > 0 ? "inf" : "-inf"}};
      return json(d);
    }
  }
  return json(nullptr);
}

namespace {

// Texts nlohmann writes unchanged between quotes (no escape, no UTF-8 check to make).
bool plain_ascii(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

void append_uint(std::string& out, std::uint64_t n) {
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n);
  out.append(p, end);
}

}  // namespace

void append_json(std::string& out, const value& v) {
  switch (v.type()) {
    case kind::integer:
      if (!v.negative()) return append_uint(out, v.cbor_arg());
      if (v.as_int64()) {
        out.push_back('-');
        return append_uint(out, v.cbor_arg() + 1);  // -1 - arg, arg < 2^63
      }
      break;
    case kind::text:
      if (plain_ascii(v.str())) {
        out.push_back('"');
        out.append(v.str());
        out.push_back('"');
        return;
      }
      break;
    case kind::null:
      out.append("null");
      return;
    case kind::boolean:
      out.append(v.as_bool() ? "true" : "false");
      return;
    case kind::array:
      return append_json_array(out, v.items());
    default:
      break;
  }
  out.append(to_json(v).dump());
}

void append_json_array(std::string& out, std::span<const value> items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    append_json(out, items[i]);
  }
  out.push_back(']');
}

namespace {

std::optional<value> convert(const json& j, std::size_t depth, std::string* why) {
  auto bad = [why](std::string reason) -> std::optional<value> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (depth > max_json_depth) return bad("nested too deeply");
  switch (j.type()) {
    case json::value_t::null:
      return value::null();
    case json::value_t::boolean:
      return value::boolean(j.get<bool>());
    case json::value_t::number_integer:
      return value::integer(j.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return value::uinteger(j.get<std::uint64_t>());
    case json::value_t::number_float:
      return value::floating(j.get<double>());
    case json::value_t::string:
      return value::text(j.get<std::string>());
    case json::value_t::binary:
      return value::byte_string(std::string(j.get_binary().begin(), j.get_binary().end()));
    case json::value_t::array: {
      std::vector<value> items;
      items.reserve(j.size());
      for (const auto& e : j) {
        auto v = convert(e, depth + 1, why);
        if (!v) return std::nullopt;
        items.push_back(std::move(*v));
      }
      return value::array(std::move(items));
    }
    case json::value_t::object: {
      if (j.size() == 1 && j.contains("$bytes")) {
        const auto& h = j["$bytes"];
        if (!h.is_string()) return bad("$bytes needs a hex string");
        auto b = from_hex(h.get<std::string>());
        if (!b) return bad("$bytes is not hex");
        return value::byte_string(*b);
      }
      if (j.size() == 1 && j.contains("$undefined")) return value::undefined();
      if (j.size() == 1 && j.contains("$bigint")) {
        const auto& d = j["$bigint"];
        if (!d.is_string()) return bad("$bigint needs a decimal string");
        auto v = from_decimal(d.get<std::string>());
        if (!v) return bad("$bigint is not a decimal integer");
        return v;
      }
      if (j.size() == 1 && j.contains("$float")) {
        const auto& f = j["$float"];
        if (f == "nan") return value::floating(std::numeric_limits<double>::quiet_NaN());
        if (f == "inf") return value::floating(std::numeric_limits<double>::infinity());
        if (f == "-inf") return value::floating(-std::numeric_limits<double>::infinity());
        return bad("$float is nan, inf or -inf");
      }
      if (j.size() == 1 && j.contains("$simple")) {
        const auto& n = j["$simple"];
        if (!n.is_number_unsigned() || n.get<std::uint64_t>() > 255 ||
            (n.get<std::uint64_t>() >= 20 && n.get<std::uint64_t>() < 32))
          return bad("$simple is 0-19 or 32-255");
        return value::simple(static_cast<std::uint8_t>(n.get<std::uint64_t>()));
      }
      if (j.size() == 2 && j.contains("$tag") && j.contains("value")) {
        const auto& n = j["$tag"];
        if (!n.is_number_unsigned()) return bad("$tag needs an unsigned number");
        auto inner = convert(j["value"], depth + 1, why);
        if (!inner) return std::nullopt;
        return value::tagged(n.get<std::uint64_t>(), std::move(*inner));
      }
      if (j.size() == 1 && j.contains("$map")) {
        const auto& pairs = j["$map"];
        if (!pairs.is_array()) return bad("$map needs a list of [key, value]");
        value m = value::map();
        for (const auto& p : pairs) {
          if (!p.is_array() || p.size() != 2) return bad("$map needs a list of [key, value]");
          auto k = convert(p[0], depth + 1, why);
          if (!k) return std::nullopt;
          auto x = convert(p[1], depth + 1, why);
          if (!x) return std::nullopt;
          m.map_insert(std::move(*k), std::move(*x));
        }
        return m;
      }
      value m = value::map();
      for (const auto& [k, x] : j.items()) {
        auto v = convert(x, depth + 1, why);
        if (!v) return std::nullopt;
        m.map_insert(value::text(k), std::move(*v));
      }
      return m;
    }
    case json::value_t::discarded:
      break;
  }
  return bad("not a JSON value");
}

}  // namespace

std::optional<value> from_json(const json& j, std::string* why) {
  return convert(j, 0, why);
}

namespace {

// The few shapes a stream line usually has, read as nlohmann reads them; nullopt means
// "not one of them" (the full parser decides), never "bad".
std::optional<value> simple_json(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (t == "null") return value::null();
  if (t == "true") return value::boolean(true);
  if (t == "false") return value::boolean(false);
  if (t.front() == '"') {
    if (t.size() < 2 || t.back() != '"') return std::nullopt;
    const auto inner = t.substr(1, t.size() - 2);
    if (!plain_ascii(inner)) return std::nullopt;
    return value::text(std::string(inner));
  }
  const bool negative = t.front() == '-';
  const auto digits = negative ? t.substr(1) : t;
  // Up to 18 digits cannot overflow; a leading zero ("01", "-0") is left to nlohmann.
  if (digits.empty() || digits.size() > 18 || digits.front() == '0') {
    if (t == "0") return value::integer(0);
    return std::nullopt;
  }
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return value::integer(negative ? -n : n);
}

}  // namespace

std::optional<value> parse_json_value(std::string_view text, std::string* why) {
  constexpr std::string_view space = " \t\n\r";
  const auto first = text.find_first_not_of(space);
  if (first != std::string_view::npos) {
    const auto last = text.find_last_not_of(space);
    if (auto v = simple_json(text.substr(first, last - first + 1))) return v;
  }
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    if (why) *why = "not JSON";
    return std::nullopt;
  }
  return from_json(j, why);
}

}  // namespace wirekit::moat
