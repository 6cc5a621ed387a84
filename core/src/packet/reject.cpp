#include "wirekit/packet/reject.hpp"

#include <fmt/format.h>

namespace wirekit::packet {

std::string reject_text(reject_reason reason, std::uint64_t channel, std::uint64_t tag) {
  switch (reason) {
    case reject_reason::no_handler:
      return "no request handler";
    case reject_reason::after_erq:
      return "requests no longer allowed";
    case reject_reason::cancelled:
      return "rejecting request: runstate.cancelled";
    case reject_reason::unknown_channel:
      return "unknown channel %d";
    case reject_reason::tag_in_use:
      return fmt::format("channel {}: tag already in use: {}", channel, tag);
    case reject_reason::handler_exception:
      return "exception during handler";
  }
  return "exception during handler";
}

}  // namespace wirekit::packet
