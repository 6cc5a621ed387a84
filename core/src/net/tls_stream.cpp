#include "wirekit/net/tls_stream.hpp"

namespace wirekit::net {

tls_stream::tls_stream(asio::ip::tcp::socket socket, asio::ssl::context& ctx,
                       std::string description)
    : state_(std::make_shared<state>(std::move(socket), ctx)),
      description_(std::move(description)) {}

tls_stream::~tls_stream() {
  close();
}

void tls_stream::async_handshake(asio::ssl::stream_base::handshake_type type,
                                 done_handler handler) {
  state_->ssl.async_handshake(type, [s = state_, h = std::move(handler)](std::error_code ec) {
    h(s->closed ? asio::error::operation_aborted : ec);
  });
}

void tls_stream::async_read_some(asio::mutable_buffer buf, io_handler handler) {
  state_->ssl.async_read_some(
      buf, [s = state_, h = std::move(handler)](std::error_code ec, std::size_t n) {
        h(s->closed ? asio::error::operation_aborted : ec, n);
      });
}

void tls_stream::async_write(asio::const_buffer buf, io_handler handler) {
  asio::async_write(state_->ssl, buf,
                    [s = state_, h = std::move(handler)](std::error_code ec, std::size_t n) {
                      h(s->closed ? asio::error::operation_aborted : ec, n);
                    });
}

void tls_stream::async_shutdown_write(done_handler handler) {
  SSL* ssl = state_->ssl.native_handle();
  const int before = SSL_get_shutdown(ssl);
  // asio's async_shutdown would go on to wait for the peer's close_notify, reading the socket
  // beside our own reads. Marking the peer's side as closed for the duration of the call makes
  // OpenSSL only queue our close_notify; asio then writes it and completes. The mark is taken
  // off at once (the call runs synchronously up to the write), so reads go on.
  SSL_set_shutdown(ssl, before | SSL_RECEIVED_SHUTDOWN);
  state_->ssl.async_shutdown([s = state_, h = std::move(handler)](std::error_code ec) {
    h(s->closed ? asio::error::operation_aborted : ec);
  });
  SSL_set_shutdown(
      ssl, (SSL_get_shutdown(ssl) & ~SSL_RECEIVED_SHUTDOWN) | (before & SSL_RECEIVED_SHUTDOWN));
}

void tls_stream::close() {
  state_->closed = true;
  std::error_code ignored;
  state_->ssl.lowest_layer().close(ignored);
}

}  // namespace wirekit::net
