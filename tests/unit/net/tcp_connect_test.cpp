#include <catch2/catch.hpp>

#include "stream_support.hpp"
#include "wirekit/net/socket_stream.hpp"

using namespace wirekit::net;
using namespace std::chrono_literals;

namespace {

// Accepts one connection and echoes it.
struct echo_acceptor {
  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<test::echo_peer> peer;
  echo_acceptor(asio::io_context& io, const asio::ip::address& address)
      : acceptor(io, asio::ip::tcp::endpoint(address, 0)) {
    acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      peer = std::make_shared<test::echo_peer>(std::make_unique<tcp_stream>(std::move(s), "t"));
      peer->start();
    });
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
};

void check_echo(asio::io_context& io, byte_stream& stream) {
  test::read_all reader{&stream};
  reader.start();
  const std::string text(100'000, 'x');  // more than one socket buffer's worth in flight
  bool shut = false;
  stream.async_write(asio::buffer(text), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == text.size());
    stream.async_shutdown_write([&](std::error_code ec) {
      CHECK_FALSE(ec);
      shut = true;
    });
  });
  REQUIRE(test::run_until(io, [&] { return reader.done && shut; }));
  // The echo went on after our half-close, then the peer half-closed too.
  CHECK(reader.error == asio::error::eof);
  CHECK(reader.text == text);
}

bool have_ipv6_loopback() {
  asio::io_context io;
  std::error_code ec;
  asio::ip::tcp::acceptor a(io);
  a.open(asio::ip::tcp::v6(), ec);
  if (!ec) a.bind(asio::ip::tcp::endpoint(asio::ip::address_v6::loopback(), 0), ec);
  return !ec;
}

}  // namespace

TEST_CASE("tcp stream echoes over IPv4 with half-close both ways", "[net][tcp]") {
  asio::io_context io;
  echo_acceptor server(io, asio::ip::address_v4::loopback());
  const auto text = "tcp://127.0.0.1:" + std::to_string(server.port());
  auto r = test::connect(io, text);
  REQUIRE_FALSE(r.error);
  CHECK(r.stream->describe() == text);
  check_echo(io, *r.stream);
}

TEST_CASE("tcp stream resolves localhost and echoes over IPv6", "[net][tcp]") {
  if (!have_ipv6_loopback()) return;
  asio::io_context io;
  echo_acceptor server(io, asio::ip::address_v6::loopback());
  auto r = test::connect(io, "tcp://[::1]:" + std::to_string(server.port()));
  REQUIRE_FALSE(r.error);
  check_echo(io, *r.stream);
}

TEST_CASE("tcp connect to a closed port is refused", "[net][tcp]") {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = a.local_endpoint().port();
  }
  auto r = test::connect(io, "tcp://127.0.0.1:" + std::to_string(port));
  CHECK(r.error == asio::error::connection_refused);
  CHECK_FALSE(r.stream);
}

TEST_CASE("tcp close cancels a pending read", "[net][tcp]") {
  asio::io_context io;
  echo_acceptor server(io, asio::ip::address_v4::loopback());
  auto r = test::connect(io, "tcp://127.0.0.1:" + std::to_string(server.port()));
  REQUIRE_FALSE(r.error);
  test::read_all reader{r.stream.get()};
  reader.start();
  io.poll();
  r.stream->close();
  REQUIRE(test::run_until(io, [&] { return reader.done; }));
  CHECK(reader.error == asio::error::operation_aborted);
}

TEST_CASE("datagram endpoints are not streams", "[net][tcp]") {
  asio::io_context io;
  auto r = test::connect(io, "udp://127.0.0.1:5000");
  CHECK(r.error == std::errc::invalid_argument);
}
