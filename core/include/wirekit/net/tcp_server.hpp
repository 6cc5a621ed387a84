// The accept loop: listeners, the table of live connections with its limits, and the signals
// (SIGTERM/SIGINT: graceful stop; SIGHUP: reload TLS files). One thread, one io_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/connection.hpp"
#include "wirekit/net/server_log.hpp"
#include "wirekit/net/stop_signals.hpp"
#include "wirekit/net/stream_listener.hpp"
#include "wirekit/net/tls_context.hpp"
#include "wirekit/net/wire_log.hpp"

namespace wirekit::net {

inline constexpr std::uint16_t default_tcpserve_port = 56000;

struct tcp_server_config {
  std::vector<endpoint> listen;
  std::optional<tls_server_config> tls;  // needed when a tls:// endpoint is listed
  handler_spec handler;
  connection_limits limits;
  std::size_t max_conns = 1024;
  std::size_t max_per_ip = 0;  // 0: no per-address limit
  std::chrono::milliseconds grace{10'000};
  int backlog = 128;
  std::string wire_log_file;  // empty: none
};

class tcp_server {
 public:
  // Binds and loads everything (throws on bad files or a failed bind), prints readiness.
  tcp_server(asio::io_context& io, const tcp_server_config& config, server_log& log);
  ~tcp_server();

  // Runs until a stop signal and the grace are over; true if a signal stopped it.
  bool run();
  const tcp_server_stats& stats() const { return stats_; }

 private:
  void accept(stream_listener& listener);
  void on_accept(stream_listener& listener, accepted_socket accepted);
  void wait_stop_signal();
  void wait_reload_signal();
  void stop(std::string_view signal);
  void finish_stop();

  asio::io_context& io_;
  const tcp_server_config& config_;
  handler_spec handler_;  // config's, with the exec program's path found
  server_log& log_;
  std::unique_ptr<tls_context> tls_;
  std::unique_ptr<wire_log> wires_;
  std::vector<std::unique_ptr<stream_listener>> listeners_;
  std::map<connection*, std::shared_ptr<connection>> live_;
  std::map<std::string, std::size_t> per_ip_;
  stop_signals stop_signals_;
  asio::signal_set reload_signal_;
  asio::steady_timer grace_timer_;
  asio::steady_timer accept_pause_;
  tcp_server_stats stats_;
  bool stopping_ = false;
  bool interrupted_ = false;
};

}  // namespace wirekit::net
