// Spawning a child with pipes on its stdin and stdout (posix_spawn: no copy of the parent's
// memory or TLS state, so nothing of ours runs in the child), and reaping it without blocking.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>
#include "wirekit/net/asio.hpp"

namespace wirekit::net {

struct spawned_child {
  pid_t pid = -1;
  int stdin_fd = -1;   // the parent's write end of the child's stdin (O_CLOEXEC)
  int stdout_fd = -1;  // the parent's read end of the child's stdout (O_CLOEXEC)
};

// Runs argv[0] (searched in PATH; or the file program, when given, with argv as its
// arguments) with the parent's environment plus extra_env ("NAME=value", replacing variables
// of the same name); stderr is inherited, signal dispositions and mask are reset to defaults
// (the parent ignores SIGPIPE; the child must not inherit that).
spawned_child spawn_child(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env, std::error_code& ec,
                          const std::string& program = {});

// Reaps pid without blocking the loop: at once if it has exited, else on SIGCHLD; after
// grace it sends SIGTERM, after another grace SIGKILL, so no zombie and no wait is unbounded.
void reap_child(const asio::any_io_executor& executor, pid_t pid,
                std::chrono::milliseconds grace = std::chrono::seconds(2));

}  // namespace wirekit::net
