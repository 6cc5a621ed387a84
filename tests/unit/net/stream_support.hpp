// Helpers for the byte_stream tests: bounded loop running, an echo peer, temp dirs and a
// certificate made with OpenSSL's API (nothing is read from outside the test).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "wirekit/net/byte_stream.hpp"

namespace wirekit::net::test {

// Runs io until done() or the deadline; returns done().
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return done();
}

// Echoes everything; on EOF it half-closes its side after the last byte went out.
class echo_peer : public std::enable_shared_from_this<echo_peer> {
 public:
  explicit echo_peer(std::unique_ptr<byte_stream> s) : stream_(std::move(s)) {}
  void start() { read(); }
  bool finished = false;

 private:
  void read() {
    stream_->async_read_some(
        asio::buffer(buf_), [self = shared_from_this()](std::error_code ec, std::size_t n) {
          if (ec) {
            if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
              self->finished = true;
              return;
            }
            if (ec == asio::error::operation_aborted) return;
            self->stream_->async_shutdown_write([self](std::error_code) { self->finished = true; });
            return;
          }
          self->stream_->async_write(asio::buffer(self->buf_.data(), n),
                                     [self](std::error_code ec, std::size_t) {
                                       if (!ec) self->read();
                                     });
        });
  }
  std::unique_ptr<byte_stream> stream_;
  std::array<char, 4096> buf_{};
};

// Reads until EOF or error into text; sets done and the final error.
struct read_all {
  explicit read_all(byte_stream* s) : stream(s) {}
  byte_stream* stream;
  std::string text;
  std::error_code error;
  bool done = false;
  std::array<char, 4096> buf{};
  void start() {
    stream->async_read_some(asio::buffer(buf), [this](std::error_code ec, std::size_t n) {
      text.append(buf.data(), n);
      if (ec) {
        error = ec;
        done = true;
        return;
      }
      start();
    });
  }
};

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/wirekit-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Writes a self-signed P-256 certificate for CN=name (SAN DNS:name, IP:127.0.0.1, IP:::1) and
// its key as PEM files.
inline void make_certificate(const std::string& cert_file, const std::string& key_file,
                             const std::string& name = "localhost") {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600 * 24);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  const std::string san = "DNS:" + name + ",IP:127.0.0.1,IP:::1";
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(cert, key, EVP_sha256());
  FILE* f = std::fopen(cert_file.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_file.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

}  // namespace wirekit::net::test
