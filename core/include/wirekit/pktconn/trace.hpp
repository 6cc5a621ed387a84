// --trace: one line on stderr per packet, "pktconn: send|recv HEX {decoded fields}".
#pragma once

#include <string>

#include "wirekit/packet/connection.hpp"

namespace wirekit::pktconn {

std::string trace_line(const packet::direction_record& record);

}  // namespace wirekit::pktconn
