// One accepted client: the TLS handshake (bounded), its handler (echo, a child process, or a
// forwarded stream), two bounded pumps with half-close passed along, and the idle timeout.
// Owned by the server's table and by its own pending operations (shared_from_this).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/stream_listener.hpp"
#include "wirekit/net/tls_context.hpp"
#include "wirekit/net/tls_peer_info.hpp"
#include "wirekit/net/wire_log.hpp"

namespace wirekit::net {

enum class handler_kind { echo, exec, forward };

struct handler_spec {
  handler_kind kind = handler_kind::echo;
  std::vector<std::string> argv;  // exec
  std::string program;            // exec: argv[0]'s file, found in PATH once (tcp_server)
  endpoint forward_to;            // forward
  stream_options forward_options;
};

struct connection_limits {
  std::size_t buffer_bytes = 16 * 1024;  // per direction; the next read waits for the write
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{300'000};  // 0: none
};

enum class close_reason {
  done,            // both directions ended
  client_error,    // the client's stream failed (reset, TLS error)
  handler_failed,  // spawning or connecting the handler failed, or its stream failed
  handshake_failed,
  handshake_timeout,
  idle_timeout,
  shutdown,  // the server stopped (grace over)
};

std::string_view to_string(close_reason reason);

struct connection_report {
  connection_peer peer;
  std::optional<tls_peer_info> tls;
  std::uint64_t bytes_in = 0;   // from the client
  std::uint64_t bytes_out = 0;  // to the client
  std::chrono::steady_clock::duration duration{};
  close_reason reason = close_reason::done;
  std::string detail;  // the error's message, if any
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  using done_callback = std::function<void(connection&, const connection_report&)>;

  // tls is null for plain connections, wires null without --wire-log.
  connection(asio::io_context& io, accepted_socket accepted, std::shared_ptr<tls_generation> tls,
             const handler_spec& handler, const connection_limits& limits, wire_log* wires,
             done_callback done);
  ~connection();

  void start();
  // Graceful stop: the handler gets EOF and may finish its output; echo stops after the write
  // in flight. A connection still in its handshake is closed.
  void drain();
  // Closes everything now; done is called with reason.
  void abort(close_reason reason);

 private:
  struct pump;
  void on_handshake(std::error_code ec);
  void start_handler();
  void start_pumps();
  void pump_read(pump& p);
  void on_pump_end(pump& p);
  void finish_if_ended();
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }
  void arm_idle_timer();
  void finish(close_reason reason, std::string detail = {});

  asio::io_context& io_;
  accepted_socket accepted_;
  std::shared_ptr<tls_generation> tls_;  // kept to the end: OpenSSL callbacks point into it
  const handler_spec& handler_;
  const connection_limits& limits_;
  wire_log* wires_;
  done_callback done_;

  std::unique_ptr<byte_stream> client_;
  class tls_socket_stream* tls_client_ = nullptr;  // client_ when TLS
  std::unique_ptr<byte_stream> handler_stream_;
  std::vector<std::unique_ptr<pump>> pumps_;
  asio::steady_timer timer_;  // handshake, then idle
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_activity_;
  connection_report report_;
  bool handshaking_ = false;
  bool draining_ = false;
  bool finished_ = false;
};

}  // namespace wirekit::net
