#include "wirekit/packet/packet.hpp"

namespace wirekit::packet {

control_kind classify(const packet& p) {
  if (!p.is_control()) return control_kind::none;
  if (p.channel == 0 && p.flags == 0 && p.payload.empty()) {
    if (p.tag == eof_tag) return control_kind::eof;
    if (p.tag == erq_tag) return control_kind::erq;
  }
  return control_kind::malformed;
}

std::string_view to_string(control_kind kind) {
  switch (kind) {
    case control_kind::none:
      return "none";
    case control_kind::eof:
      return "EOF";
    case control_kind::erq:
      return "ERQ";
    case control_kind::malformed:
      return "malformed EOF (rq_type 0)";
  }
  return "?";
}

packet make_request(std::uint64_t channel, std::uint64_t tag, std::uint64_t rq_type,
                    std::uint64_t flags, byte_view payload) {
  packet p;
  p.is_request = true;
  p.channel = channel;
  p.tag = tag;
  p.flags = flags;
  p.rq_type_wire = rq_type + 1;
  p.payload = payload;
  return p;
}

packet make_response(std::uint64_t channel, std::uint64_t tag, bool ok, std::uint64_t flags,
                     byte_view payload) {
  packet p;
  p.channel = channel;
  p.tag = tag;
  p.ok = ok;
  p.flags = flags;
  p.payload = payload;
  return p;
}

packet make_eof() {
  packet p;
  p.is_request = true;
  p.tag = eof_tag;
  return p;
}

packet make_erq() {
  packet p;
  p.is_request = true;
  p.tag = erq_tag;
  return p;
}

}  // namespace wirekit::packet
