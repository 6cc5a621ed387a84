#include <catch2/catch.hpp>

#include "stream_support.hpp"
#include "wirekit/net/tls_stream.hpp"

using namespace wirekit::net;
using namespace std::chrono_literals;

namespace {

// A TLS echo server for one connection at a time, with a certificate made by the test.
struct tls_echo_server {
  test::temp_dir dir;
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<tls_stream> pending;
  std::error_code handshake_error;
  bool handshake_done = false;

  explicit tls_echo_server(asio::io_context& io, int max_version = 0)
      : acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    test::make_certificate(cert(), dir.file("key.pem"));
    ctx.use_certificate_chain_file(cert());
    ctx.use_private_key_file(dir.file("key.pem"), asio::ssl::context::pem);
    if (max_version) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
    accept();
  }
  std::string cert() const { return dir.file("cert.pem"); }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  void accept() {
    acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      auto stream = std::make_unique<tls_stream>(std::move(s), ctx, "server");
      auto* raw = stream.get();
      auto owner = std::make_shared<std::unique_ptr<tls_stream>>(std::move(stream));
      raw->async_handshake(asio::ssl::stream_base::server, [this, owner](std::error_code ec) {
        handshake_done = true;
        handshake_error = ec;
        if (ec) return;
        std::make_shared<test::echo_peer>(std::move(*owner))->start();
      });
      accept();
    });
  }
};

}  // namespace

TEST_CASE("tls stream verifies the server and echoes with half-close both ways", "[net][tls]") {
  asio::io_context io;
  tls_echo_server server(io);
  stream_options options;
  options.ca_file = server.cert();
  auto r = test::connect(io, "tls://localhost:" + std::to_string(server.port()), options);
  REQUIRE_FALSE(r.error);
  auto* tls = dynamic_cast<tls_stream*>(r.stream.get());
  REQUIRE(tls);
  CHECK(SSL_version(tls->native_handle()) == TLS1_3_VERSION);

  test::read_all reader{r.stream.get()};
  reader.start();
  const std::string text(50'000, 'z');
  bool shut = false;
  r.stream->async_write(asio::buffer(text), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == text.size());
    r.stream->async_shutdown_write([&](std::error_code ec) {
      CHECK_FALSE(ec);
      shut = true;
    });
  });
  REQUIRE(test::run_until(io, [&] { return reader.done && shut; }));
  // The server echoed everything after our close_notify, then sent its own.
  CHECK(reader.error == asio::error::eof);
  CHECK(reader.text.size() == text.size());
  CHECK(reader.text == text);
}

TEST_CASE("tls stream checks an IP address against the certificate", "[net][tls]") {
  asio::io_context io;
  tls_echo_server server(io);
  stream_options options;
  options.ca_file = server.cert();
  auto r = test::connect(io, "tls://127.0.0.1:" + std::to_string(server.port()), options);
  CHECK_FALSE(r.error);
}

TEST_CASE("tls stream refuses an untrusted or misnamed certificate", "[net][tls]") {
  asio::io_context io;
  tls_echo_server server(io);
  const auto text = "tls://localhost:" + std::to_string(server.port());

  stream_options wrong_name;
  wrong_name.ca_file = server.cert();
  wrong_name.server_name = "example.com";
  auto r = test::connect(io, text, wrong_name);
  CHECK(r.error);
  CHECK(r.error.category() == asio::error::get_ssl_category());
  CHECK_FALSE(r.stream);

  test::temp_dir other;
  test::make_certificate(other.file("c.pem"), other.file("k.pem"));
  stream_options wrong_ca;
  wrong_ca.ca_file = other.file("c.pem");
  r = test::connect(io, text, wrong_ca);
  CHECK(r.error);

  stream_options unverified;
  unverified.verify_peer = false;
  r = test::connect(io, text, unverified);
  CHECK_FALSE(r.error);
}

TEST_CASE("tls stream honours tls_min", "[net][tls]") {
  asio::io_context io;
  tls_echo_server server(io, TLS1_2_VERSION);
  stream_options options;
  options.ca_file = server.cert();
  const auto text = "tls://localhost:" + std::to_string(server.port());
  auto r = test::connect(io, text, options);
  REQUIRE_FALSE(r.error);
  CHECK(SSL_version(dynamic_cast<tls_stream&>(*r.stream).native_handle()) == TLS1_2_VERSION);

  options.tls_min = "1.3";
  r = test::connect(io, text, options);
  CHECK(r.error);

  options.tls_min = "1.1";
  r = test::connect(io, text, options);
  CHECK(r.error == std::errc::invalid_argument);
}

TEST_CASE("tls connect times out on a silent server", "[net][tls]") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  asio::ip::tcp::socket silent(io);
  acceptor.async_accept(silent, [](std::error_code) {});
  stream_options options;
  options.verify_peer = false;
  options.connect_timeout = 200ms;
  const auto started = std::chrono::steady_clock::now();
  auto r = test::connect(io, "tls://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()),
                         options);
  CHECK(r.error == asio::error::timed_out);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("tls close cancels a pending read", "[net][tls]") {
  asio::io_context io;
  tls_echo_server server(io);
  stream_options options;
  options.ca_file = server.cert();
  auto r = test::connect(io, "tls://localhost:" + std::to_string(server.port()), options);
  REQUIRE_FALSE(r.error);
  test::read_all reader{r.stream.get()};
  reader.start();
  io.poll();
  r.stream->close();
  REQUIRE(test::run_until(io, [&] { return reader.done; }));
  CHECK(reader.error == asio::error::operation_aborted);
}
