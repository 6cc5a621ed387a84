// The three hio memogram dialects and their gram code tables (spec/memogram.md): which
// codes exist, what each means, the part sizes of its header, and how a receiver tells
// dialect and form (text or binary header) from the first byte of a gram.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace wirekit::memo {

enum class dialect {
  d1aa,    // hio 61129a5: codes 1AAQ..1AAZ, MID before the count/number (the default)
  baa,     // hio main 55b5ee5: codes bAAA..bAAJ, count/number before the MID
  legacy,  // hio v0.6.19..v0.7.19: codes __ and _- (also the MID's first two characters)
};

enum class form {
  text,    // header and signature in qb64 (base64url characters)
  binary,  // header and signature in qb2 ("curt" in hio): 3/4 of the text sizes
};

std::string_view to_string(dialect d);
std::string_view to_string(form f);
std::optional<dialect> parse_dialect(std::string_view name);

enum class gram_kind {
  zeroth,  // first gram of a memo: carries the gram count
  later,   // any other gram: carries its gram number
  data,    // legacy: zeroth or later, told apart by the gram number (0 = zeroth)
  ack,     // reserved by hio, never sent by it; wirekit's acknowledgements use them
};

struct code_info {
  dialect dia;
  std::string_view text;  // the code in qb64: "1AAQ", "bAAA", "__"
  std::string_view name;  // hio's name for it: "GramZero", ...
  gram_kind kind;
  bool is_signed;
  bool sure;  // the sender asks for acknowledgements (wirekit extension)
};

// Every code of every dialect.
std::span<const code_info> all_codes();

// The code whose qb64 text is `text` in dialect d, or nullptr.
const code_info* find_code(dialect d, std::string_view text);

// The code used for the zeroth gram of a memo (for legacy, for every gram), or nullptr
// when the dialect has no such code (legacy has no sure codes).
const code_info* zeroth_code(dialect d, bool is_signed, bool sure);

// The code of the later grams of a memo whose zeroth gram uses `zeroth`.
const code_info& later_code(const code_info& zeroth);

struct detected {
  dialect dia;
  form frm;
};

// Dialect and form from the first byte of a gram (its first sextet), or nullopt.
std::optional<detected> detect(std::byte first);

// Header part sizes in qb64 characters (spec §1.2 and Appendix A.2). In binary form each
// is 3/4 of this. `code` is 0 for legacy, whose code is the MID's first two characters.
struct part_sizes {
  std::size_t code;
  std::size_t neck;  // gram count or number (legacy: the number; the count follows it)
  std::size_t mid;
  std::size_t vid;  // in signed zeroth (and signed ack) grams; every signed legacy gram
  std::size_t signature;
};

part_sizes sizes_of(const code_info& code);

inline constexpr std::size_t binary_size(std::size_t text_chars) {
  return text_chars / 4 * 3;
}

inline constexpr std::size_t code_chars = 4;  // 1aa and baa
inline constexpr std::size_t legacy_code_chars = 2;
inline constexpr std::size_t neck_chars = 4;
inline constexpr std::size_t mid_chars = 24;
inline constexpr std::size_t vid_chars = 44;
inline constexpr std::size_t signature_chars = 88;

// hio's class limits (Memoer.MaxMemoSize, MaxGramCount, MaxGramSize).
inline constexpr std::uint64_t max_memo_bytes = 4294967300ULL;  // (2^30-1)*4+8
inline constexpr std::uint64_t max_gram_count = 16777215;       // 2^24-1
inline constexpr std::size_t max_gram_bytes = 65535;            // default gram size
inline constexpr std::size_t udp_gram_bytes = 1240;             // hio's UDP peer default

}  // namespace wirekit::memo
