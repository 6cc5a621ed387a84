// Packets as JSON objects, in the field names of the packet vectors (vectors/README.md):
// what `pktconn decode` writes, `pktconn encode` reads and --trace prints.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "wirekit/common/bytes.hpp"
#include "wirekit/packet/packet.hpp"

namespace wirekit::packet {

// {"is_request", "channel", "tag", "flags", "rq_type" (user; -1 for control),
//  "rq_type_wire" | "ok", "payload_hex", "payload_utf8" (when valid UTF-8), "control"}.
nlohmann::ordered_json to_json(const packet& p);

// The wire bytes one JSON object asks for, or a one-line reason it cannot be encoded.
// Accepted: {"hex": "..."} (bytes verbatim, even malformed ones); the fields above, also
// nested in "decoded", "fields" or "accepted" (a vectors line); {"control": "EOF"|"ERQ"}.
// Payload from "payload_hex", "payload_utf8" or "payload" (a string). Defaults: channel 0,
// flags 0, rq_type 0, ok true; a packet is a request unless is_request is false or ok is given.
struct json_encode_result {
  std::optional<bytes> wire;
  std::string error;
};
json_encode_result encode_json(const nlohmann::ordered_json& object,
                               std::size_t max_packet_bytes = default_max_packet_bytes);

bool is_utf8(byte_view data);

}  // namespace wirekit::packet
