// Acknowledgements for sure memos (wirekit's extension; hio reserves the ack codes but
// defines nothing). An ack gram has the layout of its dialect's ack code: code | MID |
// neck (1aa) or code | neck | MID (baa), then a VID when signed, the body, and a signature
// when signed. The neck is cumulative: every gram numbered below it is held. The body is
// raw bytes in both forms:
//   flags (1 byte): 0x01 = complete (the memo was delivered; the neck is its gram count);
//                   other bits are sent as zero and ignored
//   up to max_ack_ranges ranges, each first (3 bytes) | last (3 bytes), big-endian,
//   inclusive, ascending, each starting above the neck and above the previous range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/dialect.hpp"
#include "wirekit/memo/ed25519.hpp"

namespace wirekit::memo {

inline constexpr std::size_t max_ack_ranges = 64;
inline constexpr std::size_t ack_range_bytes = 6;
inline constexpr std::size_t max_ack_body_bytes = 1 + max_ack_ranges * ack_range_bytes;
inline constexpr std::uint8_t ack_flag_complete = 0x01;
inline constexpr std::uint32_t max_ack_number = 0xffffff;  // 3 bytes

// What one ack says about one memo.
struct ack_info {
  std::uint32_t below = 0;  // every gram numbered below this is held
  bool complete = false;    // delivered: nothing more to send (below is the gram count)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // held above `below`, inclusive

  bool holds(std::uint32_t number) const;
  bool operator==(const ack_info&) const = default;
};

enum class ack_body_error {
  empty,         // no flags byte
  ragged,        // the ranges are not whole 6-byte records
  too_many,      // more than max_ack_ranges ranges
  inverted,      // a range whose last is below its first
  out_of_order,  // a range that does not start above the neck and the previous range
};

std::string_view to_string(ack_body_error e);

// At most max_ack_ranges ranges are written (the lowest); the rest are left out, which only
// makes the ack say less.
bytes encode_ack_body(const ack_info& info);

struct ack_body_result {
  std::optional<ack_body_error> error;
  ack_info info;
};
ack_body_result decode_ack_body(byte_view body, std::uint32_t neck);

// The ack for a memo whose stored gram numbers (ascending) are `numbers`.
ack_info ack_from_numbers(const std::vector<std::uint32_t>& numbers);
// The ack for a delivered memo of `count` grams.
ack_info ack_complete(std::uint32_t count);

struct ack_target {
  dialect dia = dialect::d1aa;  // 1aa or baa: legacy has no ack codes
  form frm = form::text;
  std::string mid;  // qb64 text, as pick reports it
};

// The ack gram; signed (1AAZ/bAAJ, with vid) when signer is set, else 1AAY/bAAI. Empty when
// the dialect has no ack code or the MID is not 24 base64url characters.
bytes rend_ack(const ack_target& to, const ack_info& info, const signing_key* signer = nullptr,
               std::string_view vid = {});

}  // namespace wirekit::memo
