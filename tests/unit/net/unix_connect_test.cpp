#include <catch2/catch.hpp>

#include "stream_support.hpp"
#include "wirekit/net/socket_stream.hpp"

using namespace wirekit::net;

TEST_CASE("unix stream echoes with half-close both ways", "[net][unix]") {
  test::temp_dir dir;
  const auto path = dir.file("echo.sock");
  asio::io_context io;
  asio::local::stream_protocol::acceptor acceptor(io, asio::local::stream_protocol::endpoint(path));
  std::shared_ptr<test::echo_peer> peer;
  acceptor.async_accept([&](std::error_code ec, asio::local::stream_protocol::socket s) {
    REQUIRE_FALSE(ec);
    peer = std::make_shared<test::echo_peer>(std::make_unique<unix_stream>(std::move(s), "u"));
    peer->start();
  });

  std::unique_ptr<byte_stream> stream;
  std::error_code error;
  bool called = false;
  async_connect_stream(io, *parse_endpoint("unix:" + path), {},
                       [&](std::error_code ec, std::unique_ptr<byte_stream> s) {
                         called = true;
                         error = ec;
                         stream = std::move(s);
                       });
  REQUIRE(test::run_until(io, [&] { return called; }));
  REQUIRE_FALSE(error);
  CHECK(stream->describe() == "unix:" + path);

  test::read_all reader{stream.get()};
  reader.start();
  bool shut = false;
  stream->async_write(asio::buffer(std::string_view("over a unix socket")),
                      [&](std::error_code ec, std::size_t) {
                        CHECK_FALSE(ec);
                        stream->async_shutdown_write([&](std::error_code) { shut = true; });
                      });
  REQUIRE(test::run_until(io, [&] { return reader.done && shut; }));
  CHECK(reader.error == asio::error::eof);
  CHECK(reader.text == "over a unix socket");
}

TEST_CASE("unix connect to a missing socket fails", "[net][unix]") {
  test::temp_dir dir;
  asio::io_context io;
  std::error_code error;
  bool called = false;
  async_connect_stream(io, *parse_endpoint("unix:" + dir.file("none.sock")), {},
                       [&](std::error_code ec, std::unique_ptr<byte_stream>) {
                         called = true;
                         error = ec;
                       });
  REQUIRE(test::run_until(io, [&] { return called; }));
  CHECK(error.value() == ENOENT);
}
