// One connector per transport, each in its own file; byte_stream.cpp dispatches on the kind.
#pragma once

#include <functional>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/byte_stream.hpp"

namespace wirekit::net::detail {

void connect_stdio(asio::io_context& io, connect_handler handler);
void connect_tcp(asio::io_context& io, const endpoint& where, const stream_options& options,
                 connect_handler handler);
void connect_unix(asio::io_context& io, const endpoint& where, const stream_options& options,
                  connect_handler handler);
void connect_exec(asio::io_context& io, const endpoint& where, connect_handler handler);

// The tls:// connector: set, before main, by tls_connect.cpp in the programs that link
// wirekit_tls; null in the others (see tls_linked()).
using tls_connector = void (*)(asio::io_context& io, const endpoint& where,
                               const stream_options& options, connect_handler handler);
extern tls_connector connect_tls;

// Resolves host and connects a TCP socket to the first address that answers, within timeout.
using socket_handler = std::function<void(std::error_code, asio::ip::tcp::socket)>;
void connect_tcp_socket(asio::io_context& io, const std::string& host, std::uint16_t port,
                        std::chrono::milliseconds timeout, socket_handler handler);

// Writes one buffer or a buffer sequence whole to d (writev for a sequence), or fails later
// with shut_down once a half-close has closed d.
template <class Buffers>
void write_to_descriptor(asio::posix::stream_descriptor& d, Buffers bufs, io_handler handler) {
  if (!d.is_open()) {
    asio::post(d.get_executor(), [h = std::move(handler)] { h(asio::error::shut_down, 0); });
    return;
  }
  asio::async_write(d, std::move(bufs), std::move(handler));
}

// Calls handler later on io, never inline (the byte_stream contract).
void post_failure(asio::io_context& io, connect_handler handler, std::error_code ec);
void post_success(asio::io_context& io, connect_handler handler,
                  std::unique_ptr<byte_stream> stream);

}  // namespace wirekit::net::detail
