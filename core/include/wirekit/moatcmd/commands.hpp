// `moatcmd call` and `moatcmd serve`: a session (session.hpp) with a client or a server on top.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "wirekit/cli/exit_code.hpp"
#include "wirekit/moat/engine.hpp"
#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/endpoint.hpp"

namespace wirekit::moatcmd {

struct link_options {
  net::endpoint where;  // stdin/stdout by default
  net::stream_options stream;
  moat::dialect dialect = moat::dialect::v0_3;
  moat::engine_limits limits;
  bool trace = false;
};

struct call_options {
  link_options link;
  std::string cmd;
  std::vector<std::string> args;         // JSON values (bare words are strings), KEY=VALUE kwargs
  bool stream_read = false;              // --stream-r: print the peer's stream items
  bool stream_write = false;             // --stream-w: send stdin JSON lines as stream items
  std::chrono::milliseconds timeout{0};  // 0: none
};

struct serve_options {
  link_options link;
  bool demo = false;
  std::string coproc;  // command line of the JSON-lines handler
  // --listen: accept connections on `listen` (tcp:// or unix:) and serve each one on its own
  // link, instead of talking over link.where.
  bool listening = false;
  net::endpoint listen;
  std::size_t max_connections = 64;
};

cli::exit_code run_call(const call_options& options);
cli::exit_code run_serve(const serve_options& options);

// One command-line argument as a value: JSON if it parses, else the text itself.
moat::value parse_arg(const std::string& text);

}  // namespace wirekit::moatcmd
