// `pktconn call`: send requests over one stream endpoint, print the answers in request order.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "wirekit/cli/exit_code.hpp"
#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/endpoint.hpp"
#include "wirekit/packet/connection.hpp"
#include "wirekit/pktconn/pipe_size.hpp"

namespace wirekit::pktconn {

enum class input_format { line, json };

struct call_config {
  net::endpoint where;  // default: stdin/stdout
  net::stream_options stream;
  std::uint64_t rq_type = 0;
  std::uint64_t flags = 0;
  std::uint64_t channel = 0;
  std::vector<std::string> payloads;  // empty: requests come from stdin
  input_format format = input_format::line;
  std::size_t window = 64;
  bool json_output = false;
  std::chrono::milliseconds timeout{30'000};  // the longest wait for any packet from the peer
  packet::connection_limits limits;
  std::size_t pipe_bytes =
      default_pipe_bytes;  // 0: as they are; else stdin/stdout pipes grow to this
  bool trace = false;
  bool verbose = false;
};

// 0: every request answered ok; 1: a request failed or got no answer, the peer or the
// stream failed, or the peer's EOF did not come within the timeout; 3: SIGINT/SIGTERM.
cli::exit_code call(const call_config& config);

}  // namespace wirekit::pktconn
