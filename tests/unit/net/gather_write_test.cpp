// async_write_gather: every buffer, in order, one completion; through writev on exec: and
// one write after another on transports without a gather write of their own.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "stream_support.hpp"
#include "wirekit/net/byte_stream.hpp"

using namespace wirekit::net;

namespace {

// A transport with only a plain write (as TLS): each write lands in `written`, later.
class recording_stream final : public byte_stream {
 public:
  explicit recording_stream(asio::io_context& io) : io_(io) {}
  void async_read_some(asio::mutable_buffer, io_handler handler) override {
    asio::post(io_, [h = std::move(handler)] { h(asio::error::eof, 0); });
  }
  void async_write(asio::const_buffer buf, io_handler handler) override {
    ++writes;
    std::string piece(static_cast<const char*>(buf.data()), buf.size());
    asio::post(io_, [this, piece, h = std::move(handler)] {
      if (writes > fail_after) return h(asio::error::broken_pipe, 0);
      written += piece;
      h({}, piece.size());
    });
  }
  void async_shutdown_write(done_handler handler) override {
    asio::post(io_, [h = std::move(handler)] { h({}); });
  }
  void close() override {}
  std::string describe() const override { return "recording"; }

  std::string written;
  int writes = 0;
  int fail_after = 1000;

 private:
  asio::io_context& io_;
};

}  // namespace

TEST_CASE("a gather write without writev writes every buffer in order then completes once",
          "[net][gather]") {
  asio::io_context io;
  recording_stream s(io);
  const std::string a = "head", b(5000, 'x'), c = "tail";
  int completions = 0;
  std::error_code error;
  std::size_t total = 0;
  s.async_write_gather({asio::buffer(a), asio::buffer(b), asio::buffer(c)},
                       [&](std::error_code ec, std::size_t n) {
                         ++completions;
                         error = ec;
                         total = n;
                       });
  CHECK(completions == 0);  // never inline
  REQUIRE(test::run_until(io, [&] { return completions > 0; }));
  io.restart();
  io.poll();
  CHECK(completions == 1);
  CHECK_FALSE(error);
  CHECK(total == a.size() + b.size() + c.size());
  CHECK(s.written == a + b + c);
  CHECK(s.writes == 3);

  // An empty list still completes, later, with nothing written.
  completions = 0;
  s.async_write_gather({}, [&](std::error_code ec, std::size_t n) {
    ++completions;
    error = ec;
    total = n;
  });
  CHECK(completions == 0);
  REQUIRE(test::run_until(io, [&] { return completions > 0; }));
  CHECK(total == 0);
  CHECK_FALSE(error);
}

TEST_CASE("a gather write stops at the first failed write and reports it", "[net][gather]") {
  asio::io_context io;
  recording_stream s(io);
  s.fail_after = 1;
  const std::string a = "one", b = "two", c = "three";
  int completions = 0;
  std::error_code error;
  s.async_write_gather({asio::buffer(a), asio::buffer(b), asio::buffer(c)},
                       [&](std::error_code ec, std::size_t) {
                         ++completions;
                         error = ec;
                       });
  REQUIRE(test::run_until(io, [&] { return completions > 0; }));
  io.restart();
  io.poll();
  CHECK(completions == 1);
  CHECK(error == asio::error::broken_pipe);
  CHECK(s.written == a);
  CHECK(s.writes == 2);
}

TEST_CASE("exec: writes a gather write whole and in order", "[net][gather][exec]") {
  asio::io_context io;
  auto r = test::connect(io, "exec:cat");
  REQUIRE(r.stream);
  test::read_all reader{r.stream.get()};
  reader.start();
  std::vector<std::string> parts;
  const_buffers bufs;
  std::string expected;
  for (int i = 0; i < 200;
       ++i) {  // more than one writev takes (64 buffers), more than a pipe holds
    parts.push_back(std::string(static_cast<std::size_t>(i * 97 % 3000 + 1), char('a' + i % 26)));
  }
  for (const auto& p : parts) {
    bufs.push_back(asio::buffer(p));
    expected += p;
  }
  bool written = false;
  r.stream->async_write_gather(std::move(bufs), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == expected.size());
    r.stream->async_shutdown_write([&](std::error_code) { written = true; });
  });
  REQUIRE(test::run_until(io, [&] { return reader.done && written; }));
  CHECK(reader.text == expected);
}
