#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "stream_support.hpp"
#include "wirekit/net/stream_listener.hpp"

using namespace wirekit::net;

TEST_CASE("listener on port 0 reports the bound port and accepts", "[net][listener]") {
  asio::io_context io;
  auto listeners = stream_listener::open(io, *parse_endpoint("tcp://127.0.0.1:0"));
  REQUIRE(listeners.size() == 1);
  const auto bound = listeners.front()->bound();
  CHECK(bound.host == "127.0.0.1");
  CHECK(bound.port != 0);
  CHECK_FALSE(listeners.front()->is_tls());

  std::optional<connection_peer> peer;
  listeners.front()->async_accept([&](std::error_code ec, accepted_socket a) {
    REQUIRE_FALSE(ec);
    peer = a.peer;
  });
  asio::ip::tcp::socket client(io);
  client.connect({asio::ip::address_v4::loopback(), bound.port});
  REQUIRE(test::run_until(io, [&] { return peer.has_value(); }));
  CHECK(peer->proto == "TCP");
  CHECK(peer->remote_ip == "127.0.0.1");
  CHECK(peer->remote_port == client.local_endpoint().port());
  CHECK(peer->local_port == bound.port);
  CHECK(peer->describe() == "127.0.0.1:" + std::to_string(peer->remote_port));
}

TEST_CASE("unix listener replaces a stale socket file, refuses a live one, removes its own",
          "[net][listener]") {
  test::temp_dir dir;
  const auto path = dir.file("s.sock");
  asio::io_context io;
  {
    // A socket file nobody listens on.
    asio::local::stream_protocol::acceptor stale(io, asio::local::stream_protocol::endpoint(path));
  }
  REQUIRE(std::filesystem::exists(path));
  const auto where = *parse_endpoint("unix:" + path);
  auto listeners = stream_listener::open(io, where);
  REQUIRE(listeners.size() == 1);
  CHECK_THROWS_AS(stream_listener::open(io, where), std::system_error);
  listeners.front()->close();
  CHECK_FALSE(std::filesystem::exists(path));

  std::ofstream(dir.file("plain")) << "not a socket";
  CHECK_THROWS_AS(stream_listener::open(io, *parse_endpoint("unix:" + dir.file("plain"))),
                  std::system_error);
  CHECK(std::filesystem::exists(dir.file("plain")));
}

TEST_CASE("listener refuses datagram endpoints", "[net][listener]") {
  asio::io_context io;
  CHECK_THROWS_AS(stream_listener::open(io, *parse_endpoint("udp://127.0.0.1:0")),
                  std::system_error);
}
