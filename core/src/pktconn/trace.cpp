#include "wirekit/pktconn/trace.hpp"

#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/packet_json.hpp"

namespace wirekit::pktconn {

std::string trace_line(const packet::direction_record& record) {
  std::string line = record.sent ? "send " : "recv ";
  line += to_hex(record.wire);
  const auto d = packet::decode(record.wire, SIZE_MAX);
  if (d.status == packet::decode_status::complete) {
    line += ' ';
    line += packet::to_json(d.value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return line;
}

}  // namespace wirekit::pktconn
