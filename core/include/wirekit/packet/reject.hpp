// The reasons a request is refused, and the exact payload text the reference sends for
// each (spec §2.3). A reject is a response with the ok bit clear and flags 0.
#pragma once

#include <cstdint>
#include <string>

namespace wirekit::packet {

enum class reject_reason {
  no_handler,         // this end serves no requests
  after_erq,          // the peer said ERQ and then asked again
  cancelled,          // this end is shutting down
  unknown_channel,    // a channel this end does not serve
  tag_in_use,         // the tag is still being handled
  handler_exception,  // the handler failed without a reason of its own
};

// The payload: "no request handler", "channel 0: tag already in use: 2", ...
// (unknown_channel is the reference's literal, unformatted "unknown channel %d").
std::string reject_text(reject_reason reason, std::uint64_t channel, std::uint64_t tag);

}  // namespace wirekit::packet
