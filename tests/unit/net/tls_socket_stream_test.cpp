#include <catch2/catch.hpp>

#include "stream_support.hpp"
#include "wirekit/net/tls_context.hpp"
#include "wirekit/net/tls_socket_stream.hpp"
#include "wirekit/net/tls_stream.hpp"

using namespace wirekit::net;

namespace {

// tcpserve's server side: tls_socket_stream over tls_generation, one connection.
struct server_side {
  test::temp_dir dir;
  std::unique_ptr<tls_generation> tls;
  asio::ip::tcp::acceptor acceptor;
  std::unique_ptr<tls_socket_stream> stream;
  std::error_code handshake_error;
  bool handshake_done = false;

  explicit server_side(asio::io_context& io)
      : acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    test::make_certificate(cert(), dir.file("key.pem"));
    tls_server_config config;
    config.cert_key_files = {{cert(), dir.file("key.pem")}};
    tls = std::make_unique<tls_generation>(config);
    acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
      REQUIRE_FALSE(ec);
      stream = std::make_unique<tls_socket_stream>(
          std::move(s), tls->default_context().native_handle(), "server");
      stream->async_accept([this](std::error_code ec) {
        handshake_done = true;
        handshake_error = ec;
      });
    });
  }
  std::string cert() const { return dir.file("cert.pem"); }
  std::string address() const {
    return "tls://localhost:" + std::to_string(acceptor.local_endpoint().port());
  }
};

std::unique_ptr<byte_stream> connect_client(asio::io_context& io, server_side& server) {
  stream_options options;
  options.ca_file = server.cert();
  std::unique_ptr<byte_stream> client;
  bool called = false;
  async_connect_stream(io, *parse_endpoint(server.address()), options,
                       [&](std::error_code ec, std::unique_ptr<byte_stream> s) {
                         CHECK_FALSE(ec);
                         called = true;
                         client = std::move(s);
                       });
  REQUIRE(test::run_until(io, [&] { return called && server.handshake_done; }));
  REQUIRE_FALSE(server.handshake_error);
  REQUIRE(client);
  return client;
}

}  // namespace

TEST_CASE("tls socket stream: handshake, echo and half-close both ways", "[net][tls_socket]") {
  asio::io_context io;
  server_side server(io);
  auto client = connect_client(io, server);
  CHECK(SSL_version(server.stream->native_handle()) == TLS1_3_VERSION);

  // The client half-closes after its text; the server reads it, then EOF, then half-closes.
  std::string payload(100'000, 'x');  // several records, more than one socket buffer's worth
  bool client_wrote = false;
  client->async_write(asio::buffer(payload), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == payload.size());
    client->async_shutdown_write([&](std::error_code ec) {
      CHECK_FALSE(ec);
      client_wrote = true;
    });
  });
  test::read_all at_server(server.stream.get());
  at_server.start();
  REQUIRE(test::run_until(io, [&] { return client_wrote && at_server.done; }));
  CHECK(at_server.error == asio::error::eof);
  CHECK(at_server.text == payload);

  // The other way, after the client's half-close: the server can still write, then closes.
  test::read_all at_client(client.get());
  at_client.start();
  bool server_wrote = false;
  server.stream->async_write(asio::buffer(payload), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == payload.size());
    server.stream->async_shutdown_write([&](std::error_code ec) {
      CHECK_FALSE(ec);
      server_wrote = true;
    });
  });
  REQUIRE(test::run_until(io, [&] { return server_wrote && at_client.done; }));
  CHECK(at_client.error == asio::error::eof);
  CHECK(at_client.text == payload);
}

TEST_CASE("tls socket stream: close cancels a pending read, and handlers never run inline",
          "[net][tls_socket]") {
  asio::io_context io;
  server_side server(io);
  auto client = connect_client(io, server);

  std::array<char, 16> buf{};
  bool inline_call = true;
  bool zero_done = false;
  server.stream->async_read_some(asio::buffer(buf.data(), 0),
                                 [&](std::error_code ec, std::size_t n) {
                                   CHECK_FALSE(inline_call);
                                   CHECK_FALSE(ec);
                                   CHECK(n == 0);
                                   zero_done = true;
                                 });
  std::error_code read_error;
  bool read_done = false;
  server.stream->async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) {
    CHECK_FALSE(inline_call);
    read_error = ec;
    read_done = true;
  });
  inline_call = false;
  REQUIRE(test::run_until(io, [&] { return zero_done; }));
  CHECK_FALSE(read_done);  // the client sent nothing: the read waits
  server.stream->close();
  REQUIRE(test::run_until(io, [&] { return read_done; }));
  CHECK(read_error == asio::error::operation_aborted);
}

TEST_CASE("tls socket stream: a client that vanishes without close_notify is a truncation",
          "[net][tls_socket]") {
  asio::io_context io;
  server_side server(io);
  auto client = connect_client(io, server);
  test::read_all at_server(server.stream.get());
  at_server.start();
  // The client's TCP side ends (FIN) without a TLS close_notify.
  dynamic_cast<tls_stream&>(*client).socket().shutdown(asio::socket_base::shutdown_send);
  REQUIRE(test::run_until(io, [&] { return at_server.done; }));
  CHECK(at_server.error == asio::ssl::error::stream_truncated);
}

TEST_CASE("tls socket stream: a failed handshake is reported", "[net][tls_socket]") {
  asio::io_context io;
  server_side server(io);
  asio::ip::tcp::socket raw(io);
  raw.connect(server.acceptor.local_endpoint());
  const std::string not_tls = "GET / HTTP/1.0\r\n\r\n";
  asio::write(raw, asio::buffer(not_tls));
  REQUIRE(test::run_until(io, [&] { return server.handshake_done; }));
  CHECK(server.handshake_error);
  CHECK(server.handshake_error != asio::error::operation_aborted);
}
