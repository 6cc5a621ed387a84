#include "wirekit/net/tls_socket_stream.hpp"

#include <openssl/err.h>
#include <asio/ssl/error.hpp>

#include <cerrno>
#include <utility>

namespace wirekit::net {

struct tls_socket_stream::state {
  state(asio::ip::tcp::socket s, SSL* native) : socket(std::move(s)), ssl(native) {}
  state(const state&) = delete;
  state& operator=(const state&) = delete;
  ~state() { SSL_free(ssl); }

  asio::ip::tcp::socket socket;
  SSL* ssl;
  bool closed = false;
};

namespace {

using state_ptr = std::shared_ptr<tls_socket_stream::state>;

// What a failed OpenSSL call means, in the terms byte_stream users expect.
std::error_code failure(SSL* ssl, int ret) {
  const int why = SSL_get_error(ssl, ret);
  if (why == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  const unsigned long queued = ERR_peek_error();
  if (why == SSL_ERROR_SYSCALL && queued == 0) {
    if (errno != 0) return {errno, asio::error::get_system_category()};
    return asio::ssl::error::stream_truncated;
  }
  if (ERR_GET_LIB(queued) == ERR_LIB_SSL &&
      ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ERR_clear_error();
    return asio::ssl::error::stream_truncated;
  }
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  return {static_cast<int>(e), asio::error::get_ssl_category()};
}

// Runs call(ssl, n) until OpenSSL is done, waiting for the socket whenever it says so. The
// handler runs from the io_context, never inside the initiating call (first == true).
template <class Call, class Handler>
void drive(state_ptr s, Call call, Handler handler, bool first) {
  const auto complete = [&](std::error_code ec, std::size_t n) {
    if (first) {
      asio::post(s->socket.get_executor(), [h = std::move(handler), ec, n]() mutable { h(ec, n); });
    } else {
      handler(ec, n);
    }
  };
  if (s->closed) return complete(asio::error::operation_aborted, 0);
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int ret = call(s->ssl, n);
  if (ret > 0) return complete({}, n);
  const int why = SSL_get_error(s->ssl, ret);
  if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
    return complete(failure(s->ssl, ret), 0);
  }
  // OpenSSL met EAGAIN on the socket itself, so the next readiness edge is a real one. A read
  // that waits has made OpenSSL allocate its 16 kB record buffer; with no partial record in
  // it, give it back while the client is silent (SSL_MODE_RELEASE_BUFFERS frees it only
  // after a record). This is most of an idle connection's memory.
  if (why == SSL_ERROR_WANT_READ) SSL_free_buffers(s->ssl);
  const auto wait =
      why == SSL_ERROR_WANT_READ ? asio::socket_base::wait_read : asio::socket_base::wait_write;
  auto& socket = s->socket;
  socket.async_wait(wait, [s = std::move(s), call = std::move(call),
                           handler = std::move(handler)](std::error_code ec) mutable {
    if (s->closed) return handler(asio::error::operation_aborted, 0);
    if (ec) return handler(ec, 0);
    drive(std::move(s), std::move(call), std::move(handler), false);
  });
}

}  // namespace

tls_socket_stream::tls_socket_stream(asio::ip::tcp::socket socket, SSL_CTX* ctx,
                                     std::string description)
    : description_(std::move(description)) {
  SSL* ssl = SSL_new(ctx);
  if (!ssl) throw std::bad_alloc();
  state_ = std::make_shared<state>(std::move(socket), ssl);
  std::error_code ignored;
  state_->socket.non_blocking(true, ignored);
  SSL_set_fd(ssl, static_cast<int>(state_->socket.native_handle()));
  SSL_set_accept_state(ssl);
}

tls_socket_stream::~tls_socket_stream() {
  close();
}

void tls_socket_stream::async_accept(done_handler handler) {
  drive(
      state_, [](SSL* ssl, std::size_t&) { return SSL_do_handshake(ssl); },
      [h = std::move(handler)](std::error_code ec, std::size_t) { h(ec); }, true);
}

void tls_socket_stream::async_read_some(asio::mutable_buffer buf, io_handler handler) {
  if (buf.size() == 0) {
    asio::post(state_->socket.get_executor(), [h = std::move(handler)] { h({}, 0); });
    return;
  }
  drive(
      state_,
      [buf](SSL* ssl, std::size_t& n) { return SSL_read_ex(ssl, buf.data(), buf.size(), &n); },
      std::move(handler), true);
}

void tls_socket_stream::async_write(asio::const_buffer buf, io_handler handler) {
  if (buf.size() == 0) {
    asio::post(state_->socket.get_executor(), [h = std::move(handler)] { h({}, 0); });
    return;
  }
  // Without SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_write_ex succeeds only once all of buf is
  // written; a retry after WANT_WRITE passes the same buffer, as OpenSSL requires.
  drive(
      state_,
      [buf](SSL* ssl, std::size_t& n) { return SSL_write_ex(ssl, buf.data(), buf.size(), &n); },
      std::move(handler), true);
}

void tls_socket_stream::async_shutdown_write(done_handler handler) {
  // SSL_shutdown sends close_notify and returns 0 (the peer's not yet seen) or 1; it reads
  // nothing until called again after that, which we never do: reading stays with our reads.
  drive(
      state_, [](SSL* ssl, std::size_t&) { return SSL_shutdown(ssl) >= 0 ? 1 : -1; },
      [h = std::move(handler)](std::error_code ec, std::size_t) { h(ec); }, true);
}

SSL* tls_socket_stream::native_handle() {
  return state_->ssl;
}

void tls_socket_stream::close() {
  if (state_->closed) return;
  state_->closed = true;
  std::error_code ignored;
  state_->socket.close(ignored);
}

}  // namespace wirekit::net
