// The packet codec: BSUInt(body length) + body (spec/packetstream.md §1.3). Encoding is
// minimal (channel omitted when 0); decoding accepts non-minimal varints and an explicit
// channel 0, as the reference does, but refuses what does not fit 64 bits and bodies
// longer than a configured maximum.
#pragma once

#include <cstddef>
#include <string_view>

#include "wirekit/common/bytes.hpp"
#include "wirekit/packet/packet.hpp"

namespace wirekit::packet {

enum class encode_status {
  ok,
  flags_too_large,   // F would not fit 64 bits (see max_request_flags/max_response_flags)
  packet_too_large,  // the body is longer than the maximum given
};

// Appends one packet to out (out is unchanged on failure).
encode_status encode(const packet& p, bytes& out,
                     std::size_t max_packet_bytes = default_max_packet_bytes);
// The same without the payload: only the header goes into out, and the payload's bytes
// must follow it on the wire (sent from where they lie).
encode_status encode_head(const packet& p, bytes& out,
                          std::size_t max_packet_bytes = default_max_packet_bytes);

// Bytes encode() would append, or 0 if the flags do not fit.
std::size_t encoded_size(const packet& p);

enum class decode_status {
  complete,   // packet and consumed are set
  need_more,  // the input ends inside the packet: feed more bytes
  bad,        // the stream cannot be read any further: error says why
};

enum class decode_error {
  none,
  bad_length,        // the length prefix is longer than 16 bytes or exceeds 64 bits
  packet_too_large,  // the length prefix exceeds max_packet_bytes
  missing_tag,       // the body ends before a field its flags promise
  missing_flags,
  missing_channel,
  missing_rq_type,
  bad_field,  // a field in the body is over-long or exceeds 64 bits
};

std::string_view to_string(decode_error error);

struct decode_result {
  decode_status status = decode_status::need_more;
  decode_error error = decode_error::none;
  packet value;              // payload points into the input
  std::size_t consumed = 0;  // bytes of the input the packet took (complete only)
};

// Decodes the first packet of input; a stream decoder: call again on the rest.
decode_result decode(byte_view input, std::size_t max_packet_bytes = default_max_packet_bytes);

// Decodes one body (what follows the length prefix); need_more never happens here.
decode_result decode_body(byte_view body);

}  // namespace wirekit::packet
