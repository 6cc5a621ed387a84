// A byte_stream over TLS on a TCP socket (asio::ssl on OpenSSL), client or server side.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <string>

#include "wirekit/net/byte_stream.hpp"

namespace wirekit::net {

class tls_stream final : public byte_stream {
 public:
  using ssl_socket = asio::ssl::stream<asio::ip::tcp::socket>;

  // ctx is only used here (OpenSSL keeps its own reference to it).
  tls_stream(asio::ip::tcp::socket socket, asio::ssl::context& ctx, std::string description);
  ~tls_stream() override;

  void async_handshake(asio::ssl::stream_base::handshake_type type, done_handler handler);

  void async_read_some(asio::mutable_buffer buf, io_handler handler) override;
  void async_write(asio::const_buffer buf, io_handler handler) override;
  // Sends close_notify and completes once it is written; reading goes on until the peer's
  // close_notify (eof) or the connection ends.
  void async_shutdown_write(done_handler handler) override;
  void close() override;
  std::string describe() const override { return description_; }

  SSL* native_handle() { return state_->ssl.native_handle(); }
  asio::ip::tcp::socket& socket() { return state_->ssl.next_layer(); }

 private:
  // Shared with every pending operation: asio::ssl operations refer to the stream until their
  // handler runs, so it must outlive this object when operations are still pending.
  struct state {
    state(asio::ip::tcp::socket s, asio::ssl::context& ctx) : ssl(std::move(s), ctx) {}
    ssl_socket ssl;
    bool closed = false;
  };
  std::shared_ptr<state> state_;
  std::string description_;
};

}  // namespace wirekit::net
