// MoaT-Cmd message layout: [header, payload…] with the header carrying wire id, side and
// the S (more to come) and E (error) bits; and the kwargs packing rules of each dialect.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "wirekit/moat/value.hpp"

namespace wirekit::moat {

enum class dialect {
  v0_3,  // moat-lib-cmd 0.3.3: string commands, trailing {} on stream openings
  v0_4,  // 0.4.x: path commands, push_kw, header-only messages, tag-27 errors, credits
};

std::optional<dialect> parse_dialect(std::string_view text);
std::string_view to_string(dialect d);

inline constexpr unsigned flag_stream = 1;
inline constexpr unsigned flag_error = 2;

// The protocol's own error codes (single negative ints in an error or warning payload).
namespace code {
inline constexpr std::int64_t unspecified = -1;
inline constexpr std::int64_t no_stream = -2;
inline constexpr std::int64_t cancel = -3;
inline constexpr std::int64_t no_cmds = -4;
inline constexpr std::int64_t skipped = -5;
inline constexpr std::int64_t must_stream = -6;
inline constexpr std::int64_t error = -7;  // 0.4: the real error could not be encoded
inline constexpr std::int64_t no_cmd = -11;
}  // namespace code

// Name of a protocol error code ("NoStream", "NoCmd(0)" …).
std::string code_name(std::int64_t c);

struct header {
  bool originator = true;  // sent by the side that opened the conversation (h >= 0)
  std::uint64_t wid = 0;
  unsigned flags = 0;
  bool stream() const { return flags & flag_stream; }
  bool error() const { return flags & flag_error; }
};

// wid must stay below 2^61 so the header fits a CBOR integer in either sign.
inline constexpr std::uint64_t max_wire_id = (std::uint64_t{1} << 61) - 1;

value encode_header(const header& h);
// nullopt if v is not an integer header.
std::optional<header> decode_header(const value& v);

using payload = std::vector<value>;

// The kwargs rule. kw (a map, possibly empty) goes last if non-empty or always_kw; an empty
// {} goes last if the last positional argument is itself a map.
payload pack(payload args, const value& kw, bool always_kw);

// The same rule without copying: what goes after args (kw, a shared empty map, or nullptr).
const value* pack_tail(std::span<const value> args, const value& kw, bool always_kw);

// Receive side (0.3.3 Msg._unwrap): a trailing map, empty included, is kwargs.
struct unpacked {
  payload args;
  value kw = value::map();
};
unpacked unpack(payload p);

// What 0.3.3's cmd() returns: the payload, with a trailing {} dropped only after another map.
payload call_result(payload p);

}  // namespace wirekit::moat
