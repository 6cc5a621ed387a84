#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <csignal>

// The tests run as the tools do (cli::run ignores SIGPIPE): a write to a closed pipe or socket
// must come back as EPIPE, never end the process. asio's signal delivery itself writes to a
// pipe: a SIGCHLD arriving while an io_context with a signal_set is torn down (its pipe's read
// end already closed) raised SIGPIPE and killed a test now and then.
int main(int argc, char* argv[]) {
  std::signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
