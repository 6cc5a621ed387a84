// Listening stream endpoints: tcp:// and tls:// (IPv4, IPv6, dual-stack for [::]) and unix:
// (a stale socket file is replaced, a live one is refused; the file is removed on close).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/endpoint.hpp"

namespace wirekit::net {

// The two ends of an accepted connection, as handlers see them (UCSPI names).
struct connection_peer {
  std::string proto;  // "TCP" or "UNIX"
  std::string remote_ip;
  std::uint16_t remote_port = 0;
  std::string local_ip;
  std::uint16_t local_port = 0;

  // "127.0.0.1:5000", "[::1]:5000", "unix".
  std::string describe() const;
};

struct accepted_socket {
  std::variant<asio::ip::tcp::socket, asio::local::stream_protocol::socket> socket;
  connection_peer peer;
};

using accept_handler = std::function<void(std::error_code, accepted_socket)>;

class stream_listener {
 public:
  // Binds every address where names (a host name may give several); throws std::system_error
  // naming the endpoint when binding fails. Datagram and exec endpoints are invalid_argument.
  static std::vector<std::unique_ptr<stream_listener>> open(asio::io_context& io,
                                                            const endpoint& where,
                                                            int backlog = 128);
  ~stream_listener();

  // One accept at a time; handler gets operation_aborted after close().
  void async_accept(accept_handler handler);
  // Stops accepting; a unix socket file we created is removed.
  void close();

  // What was bound, with the real port when 0 was asked for.
  const endpoint& bound() const { return bound_; }
  bool is_tls() const { return bound_.kind == endpoint_kind::tls; }

 private:
  using tcp_acceptor = asio::ip::tcp::acceptor;
  using unix_acceptor = asio::local::stream_protocol::acceptor;
  stream_listener(std::variant<tcp_acceptor, unix_acceptor> acceptor, endpoint bound);

  std::variant<tcp_acceptor, unix_acceptor> acceptor_;
  endpoint bound_;
};

}  // namespace wirekit::net
