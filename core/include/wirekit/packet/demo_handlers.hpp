// The reference handler set of spec/packetstream.md (the server side of the captured
// conversations), so `pktconn serve --demo` and the replay tests answer like the reference
// server. Pure functions: a slow handler (rq_type 6) returns its delay instead of sleeping;
// the caller waits (a timer in the tool, a virtual clock in tests).
#pragma once

#include <chrono>
#include <cstdint>

#include "wirekit/common/bytes.hpp"

namespace wirekit::packet {

struct handler_result {
  bool ok = true;
  std::uint64_t flags = 0;
  bytes payload;
};

struct demo_answer {
  handler_result result;
  std::chrono::microseconds delay{0};  // answer only after this long
};

// rq_type: 0 echo, 1 upper-case, 2 raise, 3 length as flags, 4 "len=N", 5 (0x11, reversed),
// 6 sleep float(payload) (0.2 s when empty) then echo, 7 none, 8 echo flags and payload;
// anything else raises. A raise is the failure "exception during handler".
demo_answer demo_handle(std::uint64_t rq_type, std::uint64_t flags, byte_view payload);

// The longest sleep rq_type 6 accepts; longer ones fail, as a bad number does.
inline constexpr std::chrono::seconds demo_max_sleep{3600};

}  // namespace wirekit::packet
