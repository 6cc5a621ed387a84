// Server-side TLS on an accepted TCP socket, with OpenSSL reading and writing the socket itself
// and asio only telling when it is readable or writable. Unlike asio::ssl::stream (two 17 kB
// buffers per stream, plus a BIO pair), an idle connection here holds no buffer at all: with
// SSL_MODE_RELEASE_BUFFERS OpenSSL frees its record buffers between records. That is what keeps
// thousands of idle TLS clients cheap in tcpserve.
#pragma once

#include "wirekit/net/asio.hpp"  // first: see there

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "wirekit/net/byte_stream.hpp"

namespace wirekit::net {

class tls_socket_stream final : public byte_stream {
 public:
  // ctx is referenced by the SSL object (OpenSSL counts it), so it may be dropped afterwards.
  tls_socket_stream(asio::ip::tcp::socket socket, SSL_CTX* ctx, std::string description);
  ~tls_socket_stream() override;

  // The server side of the handshake.
  void async_accept(done_handler handler);

  void async_read_some(asio::mutable_buffer buf, io_handler handler) override;
  void async_write(asio::const_buffer buf, io_handler handler) override;
  // Sends close_notify once the write in flight is done; reading goes on.
  void async_shutdown_write(done_handler handler) override;
  void close() override;
  std::string describe() const override { return description_; }

  SSL* native_handle();

  struct state;  // shared with pending operations: they may outlive the stream

 private:
  std::shared_ptr<state> state_;
  std::string description_;
};

}  // namespace wirekit::net
