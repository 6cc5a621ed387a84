#include "wirekit/net/handler_exec.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace wirekit::net {

namespace {

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** p = environ; p && *p; ++p) {
    bool replaced = false;
    for (const auto& e : extra) {
      const auto eq = e.find('=');
      if (std::strncmp(*p, e.c_str(), eq + 1) == 0) replaced = true;
    }
    if (!replaced) env.emplace_back(*p);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

handler_exec::handler_exec(asio::io_context& io, done_handler done)
    : io_(io),
      done_(std::move(done)),
      to_child_(io),
      from_stdout_(io),
      from_stderr_(io),
      sigchld_(io, SIGCHLD),
      timer_(io) {}

std::shared_ptr<handler_exec> handler_exec::start(asio::io_context& io,
                                                  const handler_exec_options& options, bytes input,
                                                  done_handler done) {
  auto self = std::make_shared<handler_exec>(io, std::move(done));
  self->launch(options, std::move(input));
  return self;
}

void handler_exec::launch(const handler_exec_options& options, bytes input) {
  max_output_ = options.max_output;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    result_.spawn_error.assign(errno, std::system_category());
    return finish();
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result_.spawn_error.assign(errno, std::system_category());
    ::close(in[0]), ::close(in[1]);
    return finish();
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    result_.spawn_error.assign(errno, std::system_category());
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return finish();
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  // Its own process group, so a timeout also stops whatever the shell started.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> args{"/bin/sh", "-c", options.command};
  auto env = merged_environment(options.env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(env);
  const int rc = ::posix_spawn(&pid_, "/bin/sh", &actions, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]), ::close(out[1]), ::close(err[1]);
  if (rc != 0) {
    pid_ = -1;
    result_.spawn_error.assign(rc, std::system_category());
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return finish();
  }
  to_child_.assign(in[1]);
  from_stdout_.assign(out[0]);
  from_stderr_.assign(err[0]);
  input_ = std::move(input);
  auto self = shared_from_this();
  asio::async_write(to_child_, asio::buffer(input_), [self](std::error_code, std::size_t) {
    // A child that exits without reading its input gives EPIPE here: not an error.
    std::error_code ignored;
    self->to_child_.close(ignored);
  });
  read_stdout();
  read_stderr();
  if (options.timeout.count() > 0) {
    timer_.expires_after(options.timeout);
    timer_.async_wait([self](std::error_code ec) {
      if (ec || self->finished_) return;
      self->result_.timed_out = true;
      self->kill();
    });
  }
  wait_signal();
}

void handler_exec::wait_signal() {
  if (waiting_signal_) return;
  waiting_signal_ = true;
  sigchld_.async_wait([self = shared_from_this()](std::error_code ec, int) {
    self->waiting_signal_ = false;
    if (!ec) self->try_finish();
  });
}

void handler_exec::read_stdout() {
  from_stdout_.async_read_some(
      asio::buffer(out_buf_), [self = shared_from_this()](std::error_code ec, std::size_t n) {
        if (ec) return self->pipe_closed();
        auto& out = self->result_.output;
        if (out.size() + n > self->max_output_) {
          self->result_.output_too_large = true;
          self->kill();
          return self->pipe_closed();
        }
        const auto* p = reinterpret_cast<const std::byte*>(self->out_buf_.data());
        out.insert(out.end(), p, p + n);
        self->read_stdout();
      });
}

void handler_exec::read_stderr() {
  from_stderr_.async_read_some(
      asio::buffer(err_buf_), [self = shared_from_this()](std::error_code ec, std::size_t n) {
        if (ec) return self->pipe_closed();
        for (std::size_t i = 0; i < n && !self->err_line_done_; ++i) {
          const char c = self->err_buf_[i];
          if (c == '\n' || self->err_line_.size() >= handler_reason_max_bytes) {
            self->err_line_done_ = true;
          } else {
            self->err_line_.push_back(c);
          }
        }
        self->read_stderr();  // the rest is drained, so the child never blocks on a full pipe
      });
}

void handler_exec::pipe_closed() {
  if (--open_pipes_ == 0) try_finish();
}

void handler_exec::try_finish() {
  if (finished_ || pid_ < 0) return;
  if (!exited_) {
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
      exited_ = true;
      result_.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  if (exited_ && open_pipes_ <= 0) return finish();
  if (!exited_) wait_signal();
}

void handler_exec::kill() {
  // The group, not only the shell: a grandchild may still hold the pipes open.
  if (pid_ > 0 && !finished_) ::kill(-pid_, SIGKILL);
}

void handler_exec::finish() {
  if (finished_) return;
  finished_ = true;
  std::error_code ignored;
  timer_.cancel();
  sigchld_.cancel(ignored);
  to_child_.close(ignored);
  from_stdout_.close(ignored);
  from_stderr_.close(ignored);
  result_.reason = err_line_;
  asio::post(io_,
             [done = std::move(done_), r = std::move(result_)]() mutable { done(std::move(r)); });
}

}  // namespace wirekit::net
