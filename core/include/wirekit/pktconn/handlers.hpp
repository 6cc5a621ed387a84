// What `pktconn serve` answers requests with: --echo, --demo, --exec CMD, --coproc CMD.
// A handler gets one request and calls done once with the answer, maybe inline (echo),
// maybe much later (a child process). The serve driver bounds how many run at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include "wirekit/net/asio.hpp"

#include "wirekit/common/bytes.hpp"
#include "wirekit/packet/demo_handlers.hpp"

namespace wirekit::pktconn {

struct request_info {
  std::uint64_t channel = 0;
  std::uint64_t tag = 0;
  std::uint64_t rq_type = 0;
  std::uint64_t flags = 0;
  bytes payload;
};

using answer_handler = std::function<void(packet::handler_result)>;

class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual void handle(request_info request, answer_handler done) = 0;
  // The request timed out and was answered already: stop working on it.
  virtual void cancel(std::uint64_t channel, std::uint64_t tag) {
    (void)channel;
    (void)tag;
  }
  // The connection is over: stop everything (children are killed).
  virtual void stop() {}
};

packet::handler_result failure(std::string_view reason);

std::unique_ptr<request_handler> make_echo_handler();
std::unique_ptr<request_handler> make_demo_handler(asio::io_context& io);
// Per request: /bin/sh -c COMMAND, payload on stdin, PKT_RQ_TYPE, PKT_FLAGS, PKT_TAG and
// PKT_CHANNEL in the environment; exit 0 → ok with stdout; otherwise a failure with the first
// line of stderr (or "exit status N").
std::unique_ptr<request_handler> make_exec_handler(asio::io_context& io, std::string command,
                                                   std::size_t max_output);
// One long-lived /bin/sh -c COMMAND speaking JSON lines: a request object per line on its
// stdin, a response object per line on its stdout, matched by channel and tag.
std::unique_ptr<request_handler> make_coproc_handler(asio::io_context& io, std::string command,
                                                     std::size_t max_packet_bytes);

}  // namespace wirekit::pktconn
