// tls://HOST:PORT as a client: TCP connect, then a verified handshake (TLS 1.2 at least, SNI,
// host name or IP address checked against the certificate), all within connect_timeout.
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>

#include "transports.hpp"
#include "wirekit/net/tls_stream.hpp"

namespace wirekit::net::detail {

namespace {

bool is_ip_literal(const std::string& host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The client context for one connection; errors (unreadable files, bad version) as values.
std::unique_ptr<asio::ssl::context> client_context(const stream_options& options,
                                                   std::error_code& ec) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  int min_version = 0;
  if (options.tls_min == "1.2") {
    min_version = TLS1_2_VERSION;
  } else if (options.tls_min == "1.3") {
    min_version = TLS1_3_VERSION;
  } else {
    ec = std::make_error_code(std::errc::invalid_argument);
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx->native_handle(), min_version);
  if (options.verify_peer) {
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    if (!ec) {
      if (options.ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
      } else {
        ctx->load_verify_file(options.ca_file, ec);
      }
    }
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none, ec);
  }
  if (!ec && !options.cert_file.empty()) {
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (!ec) {
      const auto& key = options.key_file.empty() ? options.cert_file : options.key_file;
      ctx->use_private_key_file(key, asio::ssl::context::pem, ec);
    }
  }
  if (ec) return nullptr;
  return ctx;
}

// SNI for names (never for IP literals, RFC 6066), and the name or address to verify.
bool set_peer_name(SSL* ssl, const std::string& name, bool verify) {
  const bool ip = is_ip_literal(name);
  if (!ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return false;
  if (!verify) return true;
  if (ip) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
  return SSL_set1_host(ssl, name.c_str()) == 1;
}

class tls_handshake_op : public std::enable_shared_from_this<tls_handshake_op> {
 public:
  tls_handshake_op(asio::io_context& io, std::unique_ptr<tls_stream> stream,
                   connect_handler handler)
      : timer_(io), stream_(std::move(stream)), handler_(std::move(handler)) {}

  void start(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->done_) return;
      self->finish(asio::error::timed_out);
    });
    stream_->async_handshake(asio::ssl::stream_base::client,
                             [self = shared_from_this()](std::error_code ec) {
                               if (!self->done_) self->finish(ec);
                             });
  }

 private:
  void finish(std::error_code ec) {
    done_ = true;
    timer_.cancel();
    auto handler = std::move(handler_);
    if (ec) {
      stream_->close();
      stream_.reset();
      return handler(ec, nullptr);
    }
    handler(ec, std::move(stream_));
  }

  asio::steady_timer timer_;
  std::unique_ptr<tls_stream> stream_;
  connect_handler handler_;
  bool done_ = false;
};

void connect_tls_stream(asio::io_context& io, const endpoint& where, const stream_options& options,
                        connect_handler handler) {
  std::error_code ec;
  std::shared_ptr<asio::ssl::context> ctx = client_context(options, ec);
  if (ec) return post_failure(io, std::move(handler), ec);
  const auto started = std::chrono::steady_clock::now();
  connect_tcp_socket(io, where.host, where.port, options.connect_timeout,
                     [&io, ctx, options, started, text = to_string(where), host = where.host,
                      h = std::move(handler)](std::error_code ec, asio::ip::tcp::socket socket) {
                       if (ec) return h(ec, nullptr);
                       std::error_code ignored;
                       socket.set_option(asio::ip::tcp::no_delay(true), ignored);
                       auto stream = std::make_unique<tls_stream>(std::move(socket), *ctx, text);
                       const auto& name = options.server_name.empty() ? host : options.server_name;
                       if (!set_peer_name(stream->native_handle(), name, options.verify_peer)) {
                         return h(std::make_error_code(std::errc::invalid_argument), nullptr);
                       }
                       const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started);
                       const auto left =
                           std::max(options.connect_timeout - spent, std::chrono::milliseconds(1));
                       std::make_shared<tls_handshake_op>(io, std::move(stream), h)->start(left);
                     });
}

// Linking this file in is what gives a program tls:// (see tls_linked()). connect_tls is
// constant-initialized to null, so this runs after it whatever the order of files.
[[maybe_unused]] const bool registered = (connect_tls = &connect_tls_stream, true);
}  // namespace

}  // namespace wirekit::net::detail
