#include "wirekit/net/tls_context.hpp"

#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <stdexcept>

namespace wirekit::net {

namespace {

// Why the last OpenSSL call failed, for one line on stderr.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", what, openssl_reason()));
}

constexpr unsigned char session_id_context[] = "wirekit-tcpserve";

}  // namespace

bool parse_client_verify(const std::string& text, client_verify& out) {
  if (text == "none") {
    out = client_verify::none;
  } else if (text == "optional") {
    out = client_verify::optional;
  } else if (text == "required") {
    out = client_verify::required;
  } else {
    return false;
  }
  return true;
}

tls_generation::tls_generation(const tls_server_config& config) {
  if (config.cert_key_files.empty()) throw std::runtime_error("TLS needs --cert and --key");
  int min_version = TLS1_2_VERSION;
  if (config.tls_min == "1.3") {
    min_version = TLS1_3_VERSION;
  } else if (config.tls_min != "1.2") {
    throw std::runtime_error("--tls-min must be 1.2 or 1.3, not " + config.tls_min);
  }
  if (config.tickets > max_tls_tickets) {
    throw std::runtime_error(fmt::format("at most {} TLS session tickets", max_tls_tickets));
  }
  for (const auto& proto : config.alpn) {
    if (proto.empty() || proto.size() > 255) {
      throw std::runtime_error("bad ALPN protocol name '" + proto + "'");
    }
    alpn_wire_.push_back(static_cast<unsigned char>(proto.size()));
    alpn_wire_.insert(alpn_wire_.end(), proto.begin(), proto.end());
  }
  // Every client CA name, sent in the certificate request so clients pick the right cert.
  for (const auto& [cert_file, key_file] : config.cert_key_files) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, min_version);
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    // OpenSSL reads what the socket has instead of a record header, then its body: about
    // 6 read(2) calls per handshake instead of 10.
    SSL_CTX_set_read_ahead(native, 1);
    // Client-initiated TLS 1.2 renegotiation costs us a handshake per request of the client.
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_id_context(native, session_id_context, sizeof session_id_context - 1);
    SSL_CTX_set_num_tickets(native, config.tickets);
    if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
      fail("cannot load certificate " + cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      fail("cannot load key " + key_file);
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      fail("key " + key_file + " does not match certificate " + cert_file);
    }
    if (!config.ciphers.empty() && SSL_CTX_set_cipher_list(native, config.ciphers.c_str()) != 1) {
      fail("bad --ciphers '" + config.ciphers + "'");
    }
    if (config.verify != client_verify::none) {
      if (config.ca_file.empty()) {
        if (SSL_CTX_set_default_verify_paths(native) != 1) fail("cannot load the system CAs");
      } else {
        if (SSL_CTX_load_verify_locations(native, config.ca_file.c_str(), nullptr) != 1) {
          fail("cannot load CA file " + config.ca_file);
        }
        SSL_CTX_set_client_CA_list(native, SSL_load_client_CA_file(config.ca_file.c_str()));
      }
      int mode = SSL_VERIFY_PEER;
      if (config.verify == client_verify::required) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      SSL_CTX_set_verify(native, mode, nullptr);
    }
    if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(native, &tls_generation::on_alpn, this);
    certificates_.push_back(SSL_CTX_get0_certificate(native));
    contexts_.push_back(std::move(ctx));
  }
  if (contexts_.size() > 1) {
    SSL_CTX* first = contexts_.front()->native_handle();
    SSL_CTX_set_tlsext_servername_callback(first, &tls_generation::on_server_name);
    SSL_CTX_set_tlsext_servername_arg(first, this);
  }
}

int tls_generation::on_server_name(SSL* ssl, int*, void* arg) {
  auto* self = static_cast<tls_generation*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;  // the default certificate
  for (std::size_t i = 0; i < self->certificates_.size(); ++i) {
    if (X509_check_host(self->certificates_[i], name, std::strlen(name), 0, nullptr) == 1) {
      if (i != 0) SSL_set_SSL_CTX(ssl, self->contexts_[i]->native_handle());
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_OK;  // no match: the default certificate, the client decides
}

int tls_generation::on_alpn(SSL*, const unsigned char** out, unsigned char* out_len,
                            const unsigned char* in, unsigned in_len, void* arg) {
  auto* self = static_cast<tls_generation*>(arg);
  unsigned char* selected = nullptr;
  const int r = SSL_select_next_proto(&selected, out_len, self->alpn_wire_.data(),
                                      static_cast<unsigned>(self->alpn_wire_.size()), in, in_len);
  if (r != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 7301: no overlap
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

tls_context::tls_context(tls_server_config config)
    : config_(std::move(config)), current_(std::make_shared<tls_generation>(config_)) {}

void tls_context::reload() {
  current_ = std::make_shared<tls_generation>(config_);
}

}  // namespace wirekit::net
