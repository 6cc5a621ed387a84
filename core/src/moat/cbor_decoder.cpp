#include "wirekit/moat/cbor_decoder.hpp"

#include <cbor.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace wirekit::moat {

namespace {

// A container whose items are still arriving.
enum class frame_type { array, map, tag, indef_bytes, indef_text };

struct frame {
  frame_type type;
  bool indefinite = false;
  std::uint64_t remaining = 0;  // definite: items still expected (a map counts keys and values)
  value v;
};

// Tags with a meaning of their own in moat-util's codec.
inline constexpr std::uint64_t tag_epoch_time = 1;
inline constexpr std::uint64_t tag_bignum = 2;
inline constexpr std::uint64_t tag_negative_bignum = 3;
inline constexpr std::uint64_t tag_self_describe = 55799;
// Smallest initial-reservation guard against a declared length nobody sends.
inline constexpr std::size_t max_reserve_items = 1024;

}  // namespace

std::string_view to_string(decode_error e) {
  switch (e) {
    case decode_error::none:
      return "ok";
    case decode_error::malformed:
      return "malformed CBOR";
    case decode_error::too_large:
      return "item too large";
    case decode_error::too_deep:
      return "item nested too deeply";
    case decode_error::invalid_utf8:
      return "text is not UTF-8";
    case decode_error::unsupported:
      return "item not accepted by moat-lib-cmd 0.3.3";
  }
  return "?";
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    p += extra + 1;
  }
  return true;
}

struct cbor_decoder::state {
  decoder_limits limits;
  bytes buf;
  std::size_t start = 0;  // first byte of the current item
  std::size_t pos = 0;    // parse cursor
  std::vector<frame> stack;
  std::optional<value> done;
  decode_error skip_error = decode_error::none;  // the item is parsed to its end, then dropped
  decode_error fatal = decode_error::none;

  void fail(decode_error e) {
    if (fatal == decode_error::none) fatal = e;
  }
  void reject(decode_error e) {
    if (skip_error == decode_error::none) skip_error = e;
  }
  bool in_indef_string() const {
    return !stack.empty() && (stack.back().type == frame_type::indef_bytes ||
                              stack.back().type == frame_type::indef_text);
  }

  value finish_tag(std::uint64_t tag, value inner) {
    if ((tag == tag_bignum || tag == tag_negative_bignum) && inner.type() == kind::bytes)
      return value::big(tag == tag_negative_bignum, inner.str());
    if (tag == tag_self_describe) return inner;
    if (tag == tag_epoch_time && limits.reference_rejects) reject(decode_error::unsupported);
    return value::tagged(tag, std::move(inner));
  }

  value finish(frame& f) {
    switch (f.type) {
      case frame_type::tag:
        return finish_tag(f.v.tag_number(), std::move(f.v.items().front()));
      case frame_type::indef_text:
        if (!valid_utf8(f.v.str())) reject(decode_error::invalid_utf8);
        return std::move(f.v);
      default:
        return std::move(f.v);
    }
  }

  void emit(value v) {
    if (fatal != decode_error::none) return;
    if (in_indef_string()) return fail(decode_error::malformed);
    for (;;) {
      if (stack.empty()) {
        done = std::move(v);
        return;
      }
      frame& f = stack.back();
      f.v.items().push_back(std::move(v));
      if (f.indefinite) return;
      if (--f.remaining > 0) return;
      v = finish(f);
      stack.pop_back();
    }
  }

  bool push(frame f) {
    if (fatal != decode_error::none) return false;
    if (in_indef_string()) {
      fail(decode_error::malformed);
      return false;
    }
    if (stack.size() >= limits.max_depth) {
      fail(decode_error::too_deep);
      return false;
    }
    stack.push_back(std::move(f));
    return true;
  }

  void start_array(std::uint64_t n, bool indefinite) {
    if (!indefinite && n == 0) return emit(value::array());
    if (n > limits.max_item_bytes) return fail(decode_error::too_large);
    frame f{frame_type::array, indefinite, n, value::array()};
    f.v.items().reserve(std::min<std::uint64_t>(n, max_reserve_items));
    push(std::move(f));
  }

  void start_map(std::uint64_t n, bool indefinite) {
    if (indefinite && limits.reference_rejects) reject(decode_error::unsupported);
    if (!indefinite && n == 0) return emit(value::map());
    if (n > limits.max_item_bytes / 2) return fail(decode_error::too_large);
    frame f{frame_type::map, indefinite, 2 * n, value::map()};
    f.v.items().reserve(std::min<std::uint64_t>(2 * n, max_reserve_items));
    push(std::move(f));
  }

  void string_chunk(bool text, cbor_data data, std::size_t len) {
    std::string s(reinterpret_cast<const char*>(data), len);
    if (in_indef_string()) {
      frame& f = stack.back();
      if ((f.type == frame_type::indef_text) != text) return fail(decode_error::malformed);
      f.v = text ? value::text(f.v.str() + s) : value::byte_string(f.v.str() + s);
      return;
    }
    if (text && !valid_utf8(s)) reject(decode_error::invalid_utf8);
    emit(text ? value::text(std::move(s)) : value::byte_string(std::move(s)));
  }

  void indef_break() {
    if (stack.empty() || !stack.back().indefinite) return fail(decode_error::malformed);
    frame& f = stack.back();
    if (f.type == frame_type::map && f.v.items().size() % 2 != 0)
      return fail(decode_error::malformed);
    value v = finish(f);
    stack.pop_back();
    emit(std::move(v));
  }
};

namespace {

using st = cbor_decoder::state;
st& S(void* ctx) {
  return *static_cast<st*>(ctx);
}

const cbor_callbacks callbacks = [] {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.uint8 = [](void* c, std::uint8_t v) { S(c).emit(value::uinteger(v)); };
  cb.uint16 = [](void* c, std::uint16_t v) { S(c).emit(value::uinteger(v)); };
  cb.uint32 = [](void* c, std::uint32_t v) { S(c).emit(value::uinteger(v)); };
  cb.uint64 = [](void* c, std::uint64_t v) { S(c).emit(value::uinteger(v)); };
  cb.negint8 = [](void* c, std::uint8_t v) { S(c).emit(value::cbor_integer(true, v)); };
  cb.negint16 = [](void* c, std::uint16_t v) { S(c).emit(value::cbor_integer(true, v)); };
  cb.negint32 = [](void* c, std::uint32_t v) { S(c).emit(value::cbor_integer(true, v)); };
  cb.negint64 = [](void* c, std::uint64_t v) { S(c).emit(value::cbor_integer(true, v)); };
  cb.byte_string = [](void* c, cbor_data d, std::size_t n) { S(c).string_chunk(false, d, n); };
  cb.byte_string_start = [](void* c) {
    S(c).push(frame{frame_type::indef_bytes, true, 0, value::byte_string(std::string())});
  };
  cb.string = [](void* c, cbor_data d, std::size_t n) { S(c).string_chunk(true, d, n); };
  cb.string_start = [](void* c) {
    S(c).push(frame{frame_type::indef_text, true, 0, value::text(std::string())});
  };
  cb.array_start = [](void* c, std::size_t n) { S(c).start_array(n, false); };
  cb.indef_array_start = [](void* c) { S(c).start_array(0, true); };
  cb.map_start = [](void* c, std::size_t n) { S(c).start_map(n, false); };
  cb.indef_map_start = [](void* c) { S(c).start_map(0, true); };
  cb.float2 = [](void* c, float f) { S(c).emit(value::floating(f)); };
  cb.float4 = [](void* c, float f) { S(c).emit(value::floating(f)); };
  cb.float8 = [](void* c, double d) { S(c).emit(value::floating(d)); };
  cb.undefined = [](void* c) { S(c).emit(value::undefined()); };
  cb.null = [](void* c) { S(c).emit(value::null()); };
  cb.boolean = [](void* c, bool b) { S(c).emit(value::boolean(b)); };
  cb.indef_break = [](void* c) { S(c).indef_break(); };
  return cb;
}();

// Simple values libcbor's stream decoder refuses; handled here so they can be accepted.
// Returns the bytes used (0: need more), or nullopt if the byte is not one of them.
std::optional<std::size_t> simple_value(st& s, const std::byte* p, std::size_t avail) {
  const auto b = static_cast<unsigned char>(p[0]);
  std::optional<std::uint8_t> n;
  std::size_t used = 1;
  if (b >= 0xe0 && b <= 0xf3) {
    n = static_cast<std::uint8_t>(b - 0xe0);
  } else if (b == 0xf8) {
    if (avail < 2) return 0;
    used = 2;
    const auto v = static_cast<unsigned char>(p[1]);
    if (v < 32) {
      s.fail(decode_error::malformed);  // two-byte form of a one-byte value
      return used;
    }
    n = v;
  } else {
    return std::nullopt;
  }
  if (s.limits.reference_rejects) s.reject(decode_error::unsupported);
  s.emit(value::simple(*n));
  return used;
}

// The argument of the head at p: {value, head bytes}; {0, 0} when more bytes are needed.
// Only called for additional info 0-27.
std::pair<std::uint64_t, std::size_t> head_argument(const std::byte* p, std::size_t avail) {
  const unsigned info = static_cast<unsigned char>(p[0]) & 0x1f;
  if (info < 24) return {info, 1};
  const std::size_t len = std::size_t{1} << (info - 24);
  if (avail < 1 + len) return {0, 0};
  std::uint64_t v = 0;
  for (std::size_t i = 1; i <= len; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return {v, 1 + len};
}

// libcbor 0.8 refuses the one-byte tags it considers unassigned (0xc6-0xd4), so every tag
// head is read here. Returns the bytes used (0: need more), nullopt if not a tag head.
std::optional<std::size_t> tag_head(st& s, const std::byte* p, std::size_t avail) {
  const auto b = static_cast<unsigned char>(p[0]);
  if ((b >> 5) != 6 || (b & 0x1f) > 27) return std::nullopt;
  const auto [tag, used] = head_argument(p, avail);
  if (used == 0) return 0;
  frame f{frame_type::tag, false, 1, value::tagged(tag, value{})};
  f.v.items().clear();  // the tagged item arrives next
  s.push(std::move(f));
  return used;
}

// A string head whose length alone breaks the item limit (libcbor's own "required" count
// can wrap around for lengths near 2^64).
bool string_too_large(const st& s, const std::byte* p, std::size_t avail) {
  const auto b = static_cast<unsigned char>(p[0]);
  const unsigned major = b >> 5;
  if ((major != 2 && major != 3) || (b & 0x1f) > 27) return false;
  const auto [len, used] = head_argument(p, avail);
  if (used == 0) return false;
  return len > s.limits.max_item_bytes || s.pos - s.start + used + len > s.limits.max_item_bytes;
}

// The shape nearly every MoaT-Cmd message has: a definite array (under 256 elements) of
// integers, short UTF-8 texts, null/true/false/undefined and empty maps or arrays. Parsed
// here without libcbor's callbacks; anything else, or an item not complete in the buffer,
// returns 0 and goes the general way, so the result is always what the general path gives.
std::size_t flat_message(const std::byte* p, std::size_t avail, const decoder_limits& limits,
                         value& out) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  if (avail < 1 || limits.max_depth < 1) return 0;
  std::size_t n = 0;
  std::size_t pos = 1;
  if (b[0] >= 0x80 && b[0] <= 0x97) {
    n = b[0] - 0x80u;
  } else if (b[0] == 0x98) {
    if (avail < 2) return 0;
    n = b[1];
    pos = 2;
  } else {
    return 0;
  }
  std::vector<value> items;
  items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (pos >= avail) return 0;
    const unsigned ib = b[pos];
    const unsigned major = ib >> 5;
    const unsigned info = ib & 0x1f;
    if (major <= 1 || major == 3) {
      if (info > 27) return 0;
      const auto [arg, used] = head_argument(p + pos, avail - pos);
      if (used == 0) return 0;
      pos += used;
      if (major == 0) {
        items.push_back(value::uinteger(arg));
      } else if (major == 1) {
        items.push_back(value::cbor_integer(true, arg));
      } else {
        if (arg > avail - pos) return 0;
        const std::string_view text(reinterpret_cast<const char*>(b + pos), arg);
        if (!valid_utf8(text)) return 0;  // the general path skips it with its reason
        items.push_back(value::text(std::string(text)));
        pos += arg;
      }
    } else if (ib == 0xf6) {
      items.emplace_back();
      ++pos;
    } else if (ib == 0xf4 || ib == 0xf5) {
      items.push_back(value::boolean(ib == 0xf5));
      ++pos;
    } else if (ib == 0xf7) {
      items.push_back(value::undefined());
      ++pos;
    } else if (ib == 0xa0) {
      items.push_back(value::map());
      ++pos;
    } else if (ib == 0x80) {
      items.push_back(value::array());
      ++pos;
    } else {
      return 0;
    }
  }
  if (pos > limits.max_item_bytes) return 0;
  out = value::array(std::move(items));
  return pos;
}

}  // namespace

cbor_decoder::cbor_decoder(decoder_limits limits)
    : limits_(limits), state_(std::make_unique<state>()) {
  state_->limits = limits;
}

cbor_decoder::~cbor_decoder() = default;

void cbor_decoder::feed(byte_view data) {
  state& s = *state_;
  if (s.fatal != decode_error::none) return;
  if (s.start > 0) {
    s.buf.erase(s.buf.begin(), s.buf.begin() + static_cast<std::ptrdiff_t>(s.start));
    s.pos -= s.start;
    s.start = 0;
  }
  append(s.buf, data);
}

std::size_t cbor_decoder::buffered() const {
  return state_->buf.size() - state_->start;
}

bool cbor_decoder::failed() const {
  return state_->fatal != decode_error::none;
}

decode_result cbor_decoder::next(value& out) {
  state& s = *state_;
  if (s.fatal != decode_error::none) return {decode_status::bad, 0, s.fatal};
  if (s.stack.empty() && !s.done && s.pos == s.start && s.pos < s.buf.size()) {
    if (const std::size_t used =
            flat_message(s.buf.data() + s.pos, s.buf.size() - s.pos, limits_, out)) {
      s.pos += used;
      s.start = s.pos;
      if (s.start == s.buf.size()) {
        s.buf.clear();
        s.start = s.pos = 0;
      }
      return {decode_status::complete, used, decode_error::none};
    }
  }
  while (!s.done) {
    if (s.pos >= s.buf.size()) return {decode_status::need_more, 0, decode_error::none};
    const std::byte* p = s.buf.data() + s.pos;
    const std::size_t avail = s.buf.size() - s.pos;
    std::size_t used = 0;
    if (auto own = simple_value(s, p, avail); own || (own = tag_head(s, p, avail))) {
      used = *own;
      if (used == 0) return {decode_status::need_more, 0, decode_error::none};
    } else if (string_too_large(s, p, avail)) {
      s.fail(decode_error::too_large);
      break;
    } else {
      const cbor_decoder_result r =
          cbor_stream_decode(as_uchars(byte_view(p, avail)), avail, &callbacks, &s);
      if (r.status == CBOR_DECODER_NEDATA) {
        if (s.pos - s.start + r.required > limits_.max_item_bytes) {
          s.fail(decode_error::too_large);
          break;
        }
        return {decode_status::need_more, 0, decode_error::none};
      }
      if (r.status == CBOR_DECODER_ERROR) {
        s.fail(decode_error::malformed);
        break;
      }
      used = r.read;
    }
    s.pos += used;
    if (s.fatal != decode_error::none) break;
    if (s.pos - s.start > limits_.max_item_bytes) {
      s.fail(decode_error::too_large);
      break;
    }
  }
  if (s.fatal != decode_error::none) {
    s.stack.clear();
    s.done.reset();
    return {decode_status::bad, 0, s.fatal};
  }
  const std::size_t consumed = s.pos - s.start;
  s.start = s.pos;
  if (s.start == s.buf.size()) {
    s.buf.clear();
    s.start = s.pos = 0;
  }
  value item = std::move(*s.done);
  s.done.reset();
  if (s.skip_error != decode_error::none) {
    const decode_error e = s.skip_error;
    s.skip_error = decode_error::none;
    return {decode_status::bad, consumed, e};
  }
  out = std::move(item);
  return {decode_status::complete, consumed, decode_error::none};
}

decode_result decode_one(byte_view data, value& out, decoder_limits limits) {
  cbor_decoder d(limits);
  d.feed(data);
  return d.next(out);
}

}  // namespace wirekit::moat
