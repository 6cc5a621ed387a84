// `pktconn serve`: answer a peer's requests over one stream endpoint with a handler.
#pragma once

#include <chrono>
#include <string>

#include "wirekit/cli/exit_code.hpp"
#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/endpoint.hpp"
#include "wirekit/packet/connection.hpp"
#include "wirekit/pktconn/pipe_size.hpp"

namespace wirekit::pktconn {

enum class handler_kind { echo, demo, exec, coproc };

struct serve_config {
  net::endpoint where;  // default: stdin/stdout
  net::stream_options stream;
  handler_kind handler = handler_kind::echo;
  std::string command;  // exec, coproc
  packet::connection_limits limits;
  std::chrono::milliseconds handler_timeout{60'000};  // 0: none
  std::chrono::milliseconds timeout{30'000};          // after a signal: bound on the goodbye
  std::size_t pipe_bytes =
      default_pipe_bytes;  // 0: as they are; else stdin/stdout pipes grow to this
  bool trace = false;
  bool verbose = false;
};

// 0: the peer ended the conversation cleanly; 1: bad input, a broken stream or a failed
// connect; 3: SIGINT/SIGTERM (after ERQ, the answers still owed and EOF).
cli::exit_code serve(const serve_config& config);

}  // namespace wirekit::pktconn
