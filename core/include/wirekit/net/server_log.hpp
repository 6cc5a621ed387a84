// What tcpserve tells its operator: readiness lines and --json events on stdout, -v lines and
// errors on stderr. One object, made by main and passed down.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wirekit/net/connection.hpp"
#include "wirekit/net/endpoint.hpp"

namespace wirekit::net {

// Counters of the accept loop, reported when it stops.
struct tcp_server_stats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_max_conns = 0;
  std::uint64_t refused_per_ip = 0;
  std::uint64_t accept_errors = 0;
};

class server_log {
 public:
  server_log(std::string tool, bool verbose, bool json)
      : tool_(std::move(tool)), verbose_(verbose), json_(json) {}

  // Always printed: scripts wait for it ("listening tcp://127.0.0.1:40211").
  void listening(const endpoint& bound);
  void closed(const connection_report& report);
  void refused(const connection_peer& peer, std::string_view why);
  void reloaded(bool ok, std::string_view detail);
  void stopping(std::string_view signal, std::size_t live);
  void stopped(const tcp_server_stats& stats);
  void error(std::string_view what);

 private:
  std::string tool_;
  bool verbose_;
  bool json_;
};

}  // namespace wirekit::net
