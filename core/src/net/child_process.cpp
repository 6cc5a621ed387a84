#include "wirekit/net/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

extern char** environ;

namespace wirekit::net {

namespace {

// The parent's environment with extra ("NAME=value") replacing same-named entries.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  const auto overridden = [&](const char* entry) {
    for (const auto& e : extra) {
      const auto eq = e.find('=');
      if (std::strncmp(entry, e.c_str(), eq + 1) == 0) return true;
    }
    return false;
  };
  for (char** p = environ; p && *p; ++p) {
    if (!overridden(*p)) env.emplace_back(*p);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

class child_reaper : public std::enable_shared_from_this<child_reaper> {
 public:
  child_reaper(const asio::any_io_executor& executor, pid_t pid, std::chrono::milliseconds grace)
      : sigchld_(executor, SIGCHLD), timer_(executor), pid_(pid), grace_(grace) {}

  void start() {
    // The signal_set exists before this first look, so an exit in between is not missed.
    if (try_reap()) return;
    wait_signal();
    arm_timer();
  }

 private:
  bool try_reap() {
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return false;  // still running
    done_ = true;
    std::error_code ignored;
    sigchld_.cancel(ignored);
    timer_.cancel();
    return true;
  }

  void wait_signal() {
    sigchld_.async_wait([self = shared_from_this()](std::error_code ec, int) {
      if (ec || self->done_) return;
      if (!self->try_reap()) self->wait_signal();
    });
  }

  void arm_timer() {
    timer_.expires_after(grace_);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->done_ || self->try_reap()) return;
      ::kill(self->pid_, self->escalations_ == 0 ? SIGTERM : SIGKILL);
      ++self->escalations_;
      self->arm_timer();
    });
  }

  asio::signal_set sigchld_;
  asio::steady_timer timer_;
  pid_t pid_;
  std::chrono::milliseconds grace_;
  int escalations_ = 0;
  bool done_ = false;
};

}  // namespace

spawned_child spawn_child(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env, std::error_code& ec,
                          const std::string& program) {
  ec.clear();
  spawned_child child;
  if (argv.empty()) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return child;
  }
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) {
    ec.assign(errno, std::system_category());
    return child;
  }
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ec.assign(errno, std::system_category());
    ::close(to_child[0]);
    ::close(to_child[1]);
    return child;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the copies; the originals close at exec.
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = merged_environment(extra_env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(env);
  pid_t pid = -1;
  const int rc =
      program.empty()
          ? ::posix_spawnp(&pid, c_args[0], &actions, &attr, c_args.data(), c_env.data())
          : ::posix_spawn(&pid, program.c_str(), &actions, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);

  ::close(to_child[0]);
  ::close(from_child[1]);
  if (rc != 0) {
    ec.assign(rc, std::system_category());
    ::close(to_child[1]);
    ::close(from_child[0]);
    return child;
  }
  child.pid = pid;
  child.stdin_fd = to_child[1];
  child.stdout_fd = from_child[0];
  return child;
}

void reap_child(const asio::any_io_executor& executor, pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  std::make_shared<child_reaper>(executor, pid, grace)->start();
}

}  // namespace wirekit::net
