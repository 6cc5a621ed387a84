// One cs.packetstream packet, as fields (spec/packetstream.md §1.3). The payload is a view:
// decoded packets point into the receive buffer, so nothing is copied until an engine
// hands the payload to its user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wirekit/common/bytes.hpp"

namespace wirekit::packet {

// Wire flags word F: bit 0 channel present, bit 1 request, the rest P (§1.3).
inline constexpr std::uint64_t has_channel_bit = 0x01;
inline constexpr std::uint64_t is_request_bit = 0x02;
inline constexpr unsigned packet_flags_shift = 2;

// Largest user flags that still fit F in 64 bits: requests carry P = flags, responses
// P = flags << 1 | ok.
inline constexpr std::uint64_t max_request_flags = (std::uint64_t{1} << 62) - 1;
inline constexpr std::uint64_t max_response_flags = (std::uint64_t{1} << 61) - 1;

// Wire rq_type 0 is reserved for control packets, so a user rq_type is sent as value + 1.
inline constexpr std::uint64_t max_user_rq_type = UINT64_MAX - 1;

// The two control packets are requests on channel 0 with wire rq_type 0 (§1.4).
inline constexpr std::uint64_t eof_tag = 0;
inline constexpr std::uint64_t erq_tag = 1;
// Channel 0 skips the control tags; other channels count from 0 (§2.2).
inline constexpr std::uint64_t first_tag_channel0 = 2;

// A length prefix is one BSUInt; cs.packetstream itself has no size limit (§3).
inline constexpr std::size_t default_max_packet_bytes = std::size_t{16} << 20;

struct packet {
  bool is_request = false;
  std::uint64_t channel = 0;
  std::uint64_t tag = 0;
  // Requests: the request flags. Responses: the handler's user flags (wire P >> 1).
  std::uint64_t flags = 0;
  bool ok = false;                 // responses only (wire P & 1)
  std::uint64_t rq_type_wire = 0;  // requests only: user rq_type + 1; 0 = control
  byte_view payload;

  std::uint64_t user_rq_type() const { return rq_type_wire - 1; }
  bool is_control() const { return is_request && rq_type_wire == 0; }
};

enum class control_kind {
  none,       // an ordinary request or a response
  eof,        // 03 00 02 00: the sender's output ends
  erq,        // 03 01 02 00: the sender will make no more requests
  malformed,  // another request with wire rq_type 0: the reference ends receiving as for EOF
};

// Control packets are recognised by full equality, as the reference does; an explicit
// channel 0 field is fine because the field has already been read as channel 0.
control_kind classify(const packet& p);

std::string_view to_string(control_kind kind);

// Requests with user rq_type and flags; ok/fail responses with user flags.
packet make_request(std::uint64_t channel, std::uint64_t tag, std::uint64_t rq_type,
                    std::uint64_t flags, byte_view payload);
packet make_response(std::uint64_t channel, std::uint64_t tag, bool ok, std::uint64_t flags,
                     byte_view payload);
packet make_eof();
packet make_erq();

}  // namespace wirekit::packet
