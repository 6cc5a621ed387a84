// Compares a decoded packet with the "fields"/"decoded" objects of the packet vectors.
#pragma once

#include <string>

#include "support/vectors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/packet/packet.hpp"

namespace wirekit::test {

// Builds the packet a vector's fields describe; payload_store keeps the payload bytes.
inline packet::packet packet_from_fields(const json& f, bytes& payload_store) {
  payload_store = hex_bytes(f["payload_hex"].get<std::string>());
  packet::packet p;
  p.is_request = f["is_request"].get<bool>();
  p.channel = f["channel"].get<std::uint64_t>();
  p.tag = f["tag"].get<std::uint64_t>();
  p.flags = f["flags"].get<std::uint64_t>();
  if (p.is_request) {
    const auto user = f["rq_type"].get<std::int64_t>();
    p.rq_type_wire = user < 0 ? 0 : static_cast<std::uint64_t>(user) + 1;
    if (f.contains("rq_type_wire")) {
      REQUIRE(p.rq_type_wire == f["rq_type_wire"].get<std::uint64_t>());
    }
  } else {
    p.ok = f["ok"].get<bool>();
  }
  p.payload = payload_store;
  return p;
}

// Checks every field of p against the vector's fields (control included).
inline void check_fields(const packet::packet& p, const json& f) {
  CHECK(p.is_request == f["is_request"].get<bool>());
  CHECK(p.channel == f["channel"].get<std::uint64_t>());
  CHECK(p.tag == f["tag"].get<std::uint64_t>());
  CHECK(p.flags == f["flags"].get<std::uint64_t>());
  if (p.is_request) {
    const auto user = f["rq_type"].get<std::int64_t>();
    CHECK(p.rq_type_wire == (user < 0 ? 0 : static_cast<std::uint64_t>(user) + 1));
    const auto kind = packet::classify(p);
    if (!f.contains("control")) {
      CHECK(kind == packet::control_kind::none);
    } else if (f["control"] == "EOF") {
      CHECK(kind == packet::control_kind::eof);
    } else if (f["control"] == "ERQ") {
      CHECK(kind == packet::control_kind::erq);
    } else {
      CHECK(kind == packet::control_kind::malformed);
    }
  } else {
    CHECK(p.ok == f["ok"].get<bool>());
    if (f.contains("flags_wire")) {
      CHECK(((p.flags << 1) | (p.ok ? 1 : 0)) == f["flags_wire"].get<std::uint64_t>());
    }
  }
  if (f.contains("payload_hex")) CHECK(to_hex(p.payload) == f["payload_hex"].get<std::string>());
  if (f.contains("payload_utf8"))
    CHECK(to_string(p.payload) == f["payload_utf8"].get<std::string>());
}

}  // namespace wirekit::test
