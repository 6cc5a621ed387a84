#include "wirekit/memo/dialect.hpp"

#include <array>
#include <cstdint>

namespace wirekit::memo {

namespace {

using enum gram_kind;

// Order matters: zeroth_code() and later_code() index into each dialect's block.
constexpr std::array<code_info, 22> codes{{
    {dialect::d1aa, "1AAQ", "GramZero", zeroth, false, false},
    {dialect::d1aa, "1AAR", "Gram", later, false, false},
    {dialect::d1aa, "1AAS", "GramAuthZero", zeroth, true, false},
    {dialect::d1aa, "1AAT", "GramAuth", later, true, false},
    {dialect::d1aa, "1AAU", "GramSureZero", zeroth, false, true},
    {dialect::d1aa, "1AAV", "GramSure", later, false, true},
    {dialect::d1aa, "1AAW", "GramSureAuthZero", zeroth, true, true},
    {dialect::d1aa, "1AAX", "GramSureAuth", later, true, true},
    {dialect::d1aa, "1AAY", "Ack", ack, false, false},
    {dialect::d1aa, "1AAZ", "AckAuth", ack, true, false},
    {dialect::baa, "bAAA", "GramZero", zeroth, false, false},
    {dialect::baa, "bAAB", "Gram", later, false, false},
    {dialect::baa, "bAAC", "GramAuthZero", zeroth, true, false},
    {dialect::baa, "bAAD", "GramAuth", later, true, false},
    {dialect::baa, "bAAE", "GramSureZero", zeroth, false, true},
    {dialect::baa, "bAAF", "GramSure", later, false, true},
    {dialect::baa, "bAAG", "GramSureAuthZero", zeroth, true, true},
    {dialect::baa, "bAAH", "GramSureAuth", later, true, true},
    {dialect::baa, "bAAI", "Ack", ack, false, false},
    {dialect::baa, "bAAJ", "AckAuth", ack, true, false},
    {dialect::legacy, "__", "Basic", data, false, false},
    {dialect::legacy, "_-", "Signed", data, true, false},
}};

constexpr std::size_t block_of(dialect d) {
  switch (d) {
    case dialect::d1aa:
      return 0;
    case dialect::baa:
      return 10;
    case dialect::legacy:
      return 20;
  }
  return 0;
}

}  // namespace

std::string_view to_string(dialect d) {
  switch (d) {
    case dialect::d1aa:
      return "1aa";
    case dialect::baa:
      return "baa";
    case dialect::legacy:
      return "legacy";
  }
  return "?";
}

std::string_view to_string(form f) {
  return f == form::text ? "text" : "binary";
}

std::optional<dialect> parse_dialect(std::string_view name) {
  if (name == "1aa") return dialect::d1aa;
  if (name == "baa") return dialect::baa;
  if (name == "legacy") return dialect::legacy;
  return std::nullopt;
}

std::span<const code_info> all_codes() {
  return codes;
}

const code_info* find_code(dialect d, std::string_view text) {
  for (const auto& c : codes)
    if (c.dia == d && c.text == text) return &c;
  return nullptr;
}

const code_info* zeroth_code(dialect d, bool is_signed, bool sure) {
  const std::size_t base = block_of(d);
  if (d == dialect::legacy) return sure ? nullptr : &codes[base + (is_signed ? 1 : 0)];
  return &codes[base + (sure ? 4 : 0) + (is_signed ? 2 : 0)];
}

const code_info& later_code(const code_info& zeroth) {
  if (zeroth.kind != gram_kind::zeroth) return zeroth;
  return *(&zeroth + 1);
}

std::optional<detected> detect(std::byte first) {
  switch (std::to_integer<unsigned>(first) >> 2) {
    case 0x0c:
      return detected{dialect::d1aa, form::text};  // '0'..'3'
    case 0x35:
      return detected{dialect::d1aa, form::binary};  // 0xD4..0xD7
    case 0x18:
      return detected{dialect::baa, form::text};  // '`', 'a', 'b', 'c'
    case 0x1b:
      return detected{dialect::baa, form::binary};  // 0x6C..0x6F
    case 0x17:
      return detected{dialect::legacy, form::text};  // '\\', ']', '^', '_'
    case 0x3f:
      return detected{dialect::legacy, form::binary};  // 0xFC..0xFF
    default:
      return std::nullopt;
  }
}

part_sizes sizes_of(const code_info& code) {
  if (code.dia == dialect::legacy) {
    return {0, neck_chars, mid_chars, code.is_signed ? vid_chars : 0,
            code.is_signed ? signature_chars : 0};
  }
  const bool carries_vid = code.is_signed && code.kind != gram_kind::later;
  return {code_chars, neck_chars, mid_chars, carries_vid ? vid_chars : 0,
          code.is_signed ? signature_chars : 0};
}

}  // namespace wirekit::memo
