#include "wirekit/packet/codec.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "wirekit/common/bsuint.hpp"
#include "wirekit/common/byte_reader.hpp"

namespace wirekit::packet {

namespace {

std::optional<std::uint64_t> wire_flags(const packet& p) {
  std::uint64_t f = p.channel != 0 ? has_channel_bit : 0;
  if (p.is_request) {
    if (p.flags > max_request_flags) return std::nullopt;
    return f | is_request_bit | (p.flags << packet_flags_shift);
  }
  if (p.flags > max_response_flags) return std::nullopt;
  const std::uint64_t word = (p.flags << 1) | (p.ok ? 1 : 0);
  return f | (word << packet_flags_shift);
}

std::size_t body_size(const packet& p, std::uint64_t f) {
  std::size_t n = bsuint::encoded_size(p.tag) + bsuint::encoded_size(f) + p.payload.size();
  if (p.channel != 0) n += bsuint::encoded_size(p.channel);
  if (p.is_request) n += bsuint::encoded_size(p.rq_type_wire);
  return n;
}

// One BSUInt field of a body; nullopt when the body ends first, bad when it cannot fit.
enum class field_status { ok, missing, bad };

field_status read_field(byte_reader& r, std::uint64_t& value) {
  const auto d = bsuint::decode(r.rest());
  switch (d.status) {
    case bsuint::decode_status::complete:
      r.take(d.consumed);
      value = d.value;
      return field_status::ok;
    case bsuint::decode_status::need_more:
      return field_status::missing;
    case bsuint::decode_status::too_long:
    case bsuint::decode_status::overflow:
      return field_status::bad;
  }
  return field_status::bad;
}

// One minimal BSUInt at to; returns its length.
std::size_t put_varint(std::byte* to, std::uint64_t v) {
  if (v < 0x80) {
    *to = static_cast<std::byte>(v);
    return 1;
  }
  std::array<std::byte, bsuint::max_encoded_bytes> tmp{};
  std::size_t i = tmp.size();
  tmp[--i] = static_cast<std::byte>(v & 0x7f);
  v >>= 7;
  while (v != 0) {
    tmp[--i] = static_cast<std::byte>(0x80 | (v & 0x7f));
    v >>= 7;
  }
  const std::size_t n = tmp.size() - i;
  std::memcpy(to, tmp.data() + i, n);
  return n;
}

decode_result failed(decode_error error) {
  decode_result r;
  r.status = decode_status::bad;
  r.error = error;
  return r;
}

// Appends the header, reserving room for the payload too when it will follow in out.
encode_status put_head(const packet& p, bytes& out, std::size_t max_packet_bytes,
                       std::size_t payload_room) {
  const auto f = wire_flags(p);
  if (!f) return encode_status::flags_too_large;
  const auto body = body_size(p, *f);
  if (body > max_packet_bytes) return encode_status::packet_too_large;
  // The header (at most five varints) is built on the stack and goes in with one bulk
  // copy: one append per byte costs more than the packet's payload.
  std::array<std::byte, 5 * bsuint::max_encoded_bytes> head{};
  std::size_t n = put_varint(head.data(), body);
  n += put_varint(head.data() + n, p.tag);
  n += put_varint(head.data() + n, *f);
  if (p.channel != 0) n += put_varint(head.data() + n, p.channel);
  if (p.is_request) n += put_varint(head.data() + n, p.rq_type_wire);
  // Grow geometrically: an exact reserve per packet would copy the whole queue each time.
  const auto needed = out.size() + n + payload_room;
  if (needed > out.capacity()) out.reserve(std::max(needed, 2 * out.capacity()));
  out.insert(out.end(), head.begin(), head.begin() + static_cast<std::ptrdiff_t>(n));
  return encode_status::ok;
}

}  // namespace

std::size_t encoded_size(const packet& p) {
  const auto f = wire_flags(p);
  if (!f) return 0;
  const auto body = body_size(p, *f);
  return bsuint::encoded_size(body) + body;
}

encode_status encode(const packet& p, bytes& out, std::size_t max_packet_bytes) {
  const auto status = put_head(p, out, max_packet_bytes, p.payload.size());
  // insert, not resize: zero-filling a big payload's room first would cost as much as copying it.
  if (status == encode_status::ok) out.insert(out.end(), p.payload.begin(), p.payload.end());
  return status;
}

encode_status encode_head(const packet& p, bytes& out, std::size_t max_packet_bytes) {
  return put_head(p, out, max_packet_bytes, 0);
}

decode_result decode_body(byte_view body) {
  byte_reader r(body);
  packet p;
  auto field = [&](std::uint64_t& v, decode_error missing) -> std::optional<decode_result> {
    switch (read_field(r, v)) {
      case field_status::ok:
        return std::nullopt;
      case field_status::missing:
        return failed(missing);
      case field_status::bad:
        return failed(decode_error::bad_field);
    }
    return failed(decode_error::bad_field);
  };
  std::uint64_t f = 0;
  if (auto e = field(p.tag, decode_error::missing_tag)) return *e;
  if (auto e = field(f, decode_error::missing_flags)) return *e;
  if ((f & has_channel_bit) != 0) {
    if (auto e = field(p.channel, decode_error::missing_channel)) return *e;
  }
  p.is_request = (f & is_request_bit) != 0;
  const std::uint64_t word = f >> packet_flags_shift;
  if (p.is_request) {
    if (auto e = field(p.rq_type_wire, decode_error::missing_rq_type)) return *e;
    p.flags = word;
  } else {
    p.ok = (word & 1) != 0;
    p.flags = word >> 1;
  }
  p.payload = r.rest();
  decode_result out;
  out.status = decode_status::complete;
  out.value = p;
  out.consumed = body.size();
  return out;
}

decode_result decode(byte_view input, std::size_t max_packet_bytes) {
  const auto len = bsuint::decode(input);
  switch (len.status) {
    case bsuint::decode_status::need_more:
      return {};
    case bsuint::decode_status::too_long:
    case bsuint::decode_status::overflow:
      return failed(decode_error::bad_length);
    case bsuint::decode_status::complete:
      break;
  }
  if (len.value > max_packet_bytes) return failed(decode_error::packet_too_large);
  const std::size_t body_len = static_cast<std::size_t>(len.value);
  if (input.size() - len.consumed < body_len) return {};
  auto r = decode_body(input.subspan(len.consumed, body_len));
  if (r.status == decode_status::complete) r.consumed = len.consumed + body_len;
  return r;
}

std::string_view to_string(decode_error error) {
  switch (error) {
    case decode_error::none:
      return "no error";
    case decode_error::bad_length:
      return "length prefix over-long or beyond 64 bits";
    case decode_error::packet_too_large:
      return "packet longer than the maximum (--max-packet)";
    case decode_error::missing_tag:
      return "body ends before its tag";
    case decode_error::missing_flags:
      return "body ends before its flags";
    case decode_error::missing_channel:
      return "body ends before the channel its flags promise";
    case decode_error::missing_rq_type:
      return "body ends before the rq_type its flags promise";
    case decode_error::bad_field:
      return "body field over-long or beyond 64 bits";
  }
  return "?";
}

}  // namespace wirekit::packet
