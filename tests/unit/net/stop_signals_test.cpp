#include "wirekit/net/stop_signals.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

using namespace wirekit;

TEST_CASE("a signal after stop_signals is gone is ignored not fatal", "[net][signals]") {
  // In a child: the test process keeps its own dispositions. A plain asio::signal_set puts
  // the default action back, and the raise() below would kill the child.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    {
      asio::io_context io;
      net::stop_signals signals(io, SIGUSR1, SIGUSR2);
      signals.async_wait([](std::error_code, int) {});
    }
    std::raise(SIGUSR1);
    std::raise(SIGUSR2);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK_FALSE(WIFSIGNALED(status));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
