#include "wirekit/moat/message.hpp"

#include <fmt/core.h>

namespace wirekit::moat {

std::optional<dialect> parse_dialect(std::string_view text) {
  if (text == "0.3" || text == "0.3.3") return dialect::v0_3;
  if (text == "0.4") return dialect::v0_4;
  return std::nullopt;
}

std::string_view to_string(dialect d) {
  return d == dialect::v0_3 ? "0.3" : "0.4";
}

std::string code_name(std::int64_t c) {
  switch (c) {
    case code::unspecified:
      return "StopMe";
    case code::no_stream:
      return "NoStream";
    case code::cancel:
      return "Cancelled";
    case code::no_cmds:
      return "NoCmds";
    case code::skipped:
      return "SkippedData";
    case code::must_stream:
      return "MustStream";
    case code::error:
      return "RemoteError";
    default:
      break;
  }
  if (c <= code::no_cmd) return fmt::format("NoCmd({})", code::no_cmd - c);
  return fmt::format("code {}", c);
}

value encode_header(const header& h) {
  // originator: wid<<2 | flags; responder: ((-1 - wid) << 2) | flags, i.e. -(wid+1)*4 + flags,
  // which in CBOR's negative form is -1 - arg with arg = (wid+1)*4 - flags - 1.
  if (h.originator) return value::uinteger((h.wid << 2) | h.flags);
  return value::cbor_integer(true, ((h.wid + 1) << 2) - h.flags - 1);
}

std::optional<header> decode_header(const value& v) {
  if (!v.is_integer()) return std::nullopt;
  header h;
  if (!v.negative()) {
    h.originator = true;
    h.wid = v.cbor_arg() >> 2;
    h.flags = static_cast<unsigned>(v.cbor_arg() & 3);
    return h;
  }
  // h = -1 - arg; wid = -1 - (h >> 2) = arg >> 2 (arithmetic shift), flags = h & 3.
  h.originator = false;
  h.wid = v.cbor_arg() >> 2;
  h.flags = static_cast<unsigned>(3 - (v.cbor_arg() & 3));
  return h;
}

const value* pack_tail(std::span<const value> args, const value& kw, bool always_kw) {
  const bool kw_empty = !kw.is_map() || kw.map_size() == 0;
  if (always_kw || !kw_empty) return kw.is_map() ? &kw : &empty_map();
  if (!args.empty() && args.back().is_map()) return &empty_map();
  return nullptr;
}

payload pack(payload args, const value& kw, bool always_kw) {
  const bool kw_empty = !kw.is_map() || kw.map_size() == 0;
  if (always_kw || !kw_empty) {
    args.push_back(kw.is_map() ? kw : value::map());
  } else if (!args.empty() && args.back().is_map()) {
    args.push_back(value::map());
  }
  return args;
}

unpacked unpack(payload p) {
  unpacked u;
  if (!p.empty() && p.back().is_map()) {
    u.kw = std::move(p.back());
    p.pop_back();
  }
  u.args = std::move(p);
  return u;
}

payload call_result(payload p) {
  if (p.size() >= 2 && p.back().is_map() && p.back().map_size() == 0 && p[p.size() - 2].is_map())
    p.pop_back();
  return p;
}

}  // namespace wirekit::moat
