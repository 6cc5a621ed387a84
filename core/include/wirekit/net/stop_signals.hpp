// The SIGINT/SIGTERM watch every long-running tool keeps: an asio::signal_set that, once it
// is gone, leaves those signals ignored rather than back at their default action. asio puts
// the default back when a signal_set is destroyed, while the tool is still winding down
// (removing its socket file, flushing, choosing its exit status); a second signal then killed
// it half-way, with status 143. timeout(1) sends exactly that second signal: one SIGTERM to
// the command and one to its process group.
#pragma once

#include <csignal>

#include "wirekit/net/asio.hpp"

namespace wirekit::net {

namespace detail {
// A base of stop_signals, so it is destroyed after the signal_set (bases go in reverse order).
struct ignore_when_done {
  int first;
  int second;
  ~ignore_when_done() {
    std::signal(first, SIG_IGN);
    std::signal(second, SIG_IGN);
  }
};
}  // namespace detail

class stop_signals : private detail::ignore_when_done, public asio::signal_set {
 public:
  stop_signals(asio::io_context& io, int first, int second)
      : detail::ignore_when_done{first, second}, asio::signal_set(io, first, second) {}
};

}  // namespace wirekit::net
