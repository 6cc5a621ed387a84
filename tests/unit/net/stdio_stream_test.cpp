#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "stream_support.hpp"

using namespace wirekit::net;

namespace {

// Puts pipes in place of fds 0 and 1 for the test's duration and restores them after.
struct swapped_stdio {
  int saved_in = ::dup(STDIN_FILENO);
  int saved_out = ::dup(STDOUT_FILENO);
  int feed = -1;  // we write here, the stream reads it from fd 0
  int sink = -1;  // the stream writes fd 1, we read here
  swapped_stdio() {
    int in[2];
    int out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::close(in[0]);
    ::close(out[1]);
    feed = in[1];
    sink = out[0];
  }
  ~swapped_stdio() {
    ::dup2(saved_in, STDIN_FILENO);
    ::dup2(saved_out, STDOUT_FILENO);
    ::close(saved_in);
    ::close(saved_out);
    ::close(feed);
    ::close(sink);
  }
};

}  // namespace

TEST_CASE("stdio stream reads fd 0, writes fd 1, and half-close gives the reader EOF",
          "[net][stdio]") {
  std::string got_in;
  std::string got_out;
  std::error_code read_error;
  bool fd1_still_open = false;
  {
    swapped_stdio pipes;
    asio::io_context io;
    std::unique_ptr<byte_stream> stream;
    async_connect_stream(
        io, *parse_endpoint("-"), {},
        [&](std::error_code, std::unique_ptr<byte_stream> s) { stream = std::move(s); });
    test::run_until(io, [&] { return stream != nullptr; });
    if (stream) {
      REQUIRE(::write(pipes.feed, "ping", 4) == 4);
      ::close(pipes.feed);
      pipes.feed = -1;
      test::read_all reader{stream.get()};
      reader.start();
      bool shut = false;
      stream->async_write(asio::buffer(std::string_view("pong")),
                          [&](std::error_code, std::size_t) {
                            stream->async_shutdown_write([&](std::error_code) { shut = true; });
                          });
      test::run_until(io, [&] { return reader.done && shut; });
      got_in = reader.text;
      read_error = reader.error;
      char buf[16];
      ssize_t n;
      while ((n = ::read(pipes.sink, buf, sizeof buf)) > 0)
        got_out.append(buf, n);  // ends at EOF
      stream->close();
      fd1_still_open = ::fcntl(STDOUT_FILENO, F_GETFD) >= 0;
    }
  }
  CHECK(got_in == "ping");
  CHECK(read_error == asio::error::eof);
  CHECK(got_out == "pong");
  CHECK(fd1_still_open);
}
