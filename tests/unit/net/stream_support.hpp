// Helpers for the byte_stream tests: bounded loop running, connecting, an echo peer, temp
// dirs, and (test_certificate.hpp) a certificate made with OpenSSL's API (nothing is read from
// outside the test).
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include "wirekit/net/asio.hpp"

#include "test_certificate.hpp"
#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/endpoint.hpp"

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

// The outcome of async_connect_stream, run to completion (bounded) on io.
struct connect_result {
  bool called = false;
  std::error_code error;
  std::unique_ptr<byte_stream> stream;
};

// Connects to the endpoint TEXT; the handler must not run inline (the byte_stream contract).
inline connect_result connect(asio::io_context& io, const std::string& text,
                              const stream_options& options = {}) {
  connect_result r;
  async_connect_stream(io, *parse_endpoint(text), options,
                       [&](std::error_code ec, std::unique_ptr<byte_stream> s) {
                         r.called = true;
                         r.error = ec;
                         r.stream = std::move(s);
                       });
  REQUIRE_FALSE(r.called);
  REQUIRE(run_until(io, [&] { return r.called; }));
  return r;
}

}  // namespace wirekit::net::test
