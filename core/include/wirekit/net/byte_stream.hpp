// Connected byte streams: the one interface pktconn, moatcmd and tcpserve handlers run their
// engines over, whatever carries the bytes (stdio, TCP, TLS, unix socket, child process).
//
// Contract (the implementation lives in core/src/net/, one file per transport):
// - at most one read and one write in flight at a time; handlers run on the io_context the
//   stream was made with and never inline from the initiating call;
// - a read of 0 bytes with asio::error::eof means the peer closed its sending side;
// - async_write writes all of buf or fails; async_write_gather writes all of bufs, in order,
//   or fails (one writev(2) per call where the transport allows, else one write per buffer);
//   the memory of bufs must stay alive until the handler runs;
// - async_shutdown_write is a half-close: the peer reads EOF, our reading goes on (TCP and
//   unix: shutdown(SHUT_WR); TLS: close_notify; exec: close the child's stdin; stdio: close
//   fd 1);
// - close() cancels pending operations (their handlers get asio::error::operation_aborted)
//   and releases the transport (exec: the child is reaped, never left a zombie).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/endpoint.hpp"

namespace wirekit::net {

using io_handler = std::function<void(std::error_code, std::size_t)>;
using done_handler = std::function<void(std::error_code)>;
using const_buffers = std::vector<asio::const_buffer>;

class byte_stream {
 public:
  virtual ~byte_stream() = default;
  virtual void async_read_some(asio::mutable_buffer buf, io_handler handler) = 0;
  virtual void async_write(asio::const_buffer buf, io_handler handler) = 0;
  virtual void async_write_gather(const_buffers bufs, io_handler handler);
  virtual void async_shutdown_write(done_handler handler) = 0;
  virtual void close() = 0;
  // The peer for log lines: "tcp://127.0.0.1:5000", "exec:cat", "-".
  virtual std::string describe() const = 0;
};

// Client-side settings; the TLS ones matter only for tls:// (verification on by default).
struct stream_options {
  std::string ca_file;    // empty: the system trust store
  std::string cert_file;  // client certificate (optional)
  std::string key_file;
  std::string server_name;  // SNI and name verification; empty: the endpoint's host
  bool verify_peer = true;
  std::string tls_min = "1.2";  // "1.2" or "1.3"
  std::chrono::milliseconds connect_timeout{10'000};
};

using connect_handler = std::function<void(std::error_code, std::unique_ptr<byte_stream>)>;

// Connects to (tcp, tls, unix), spawns (exec: via /bin/sh -c, or directly when the command is
// plain words, see direct_command), or wraps fds 0 and 1 (stdio)
// the endpoint, then calls handler once with the stream or with the reason it failed
// (timeouts give asio::error::timed_out). Datagram endpoints fail with invalid_argument.
void async_connect_stream(asio::io_context& io, const endpoint& where,
                          const stream_options& options, connect_handler handler);

// Whether this program links wirekit_tls and so can open tls:// streams (why not every
// program does: cli/tls_twin.hpp). Without it async_connect_stream fails tls:// with
// protocol_not_supported.
bool tls_linked();

}  // namespace wirekit::net
