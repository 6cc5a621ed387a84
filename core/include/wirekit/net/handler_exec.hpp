// One run of a handler command (/bin/sh -c COMMAND) per request: input on its stdin, its
// stdout collected (bounded), the first line of its stderr kept as a failure reason, its
// exit status reported. A timeout kills the child's whole process group. net's
// child_process gives a child stdin and stdout only; a handler also needs stderr and the
// exit status, hence this file.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/common/bytes.hpp"

namespace wirekit::net {

inline constexpr std::size_t handler_reason_max_bytes = 1024;

struct handler_exec_result {
  std::error_code spawn_error;  // the child could not be started
  bool timed_out = false;
  bool output_too_large = false;
  int exit_status = -1;  // the exit code, or 128 + signal number
  bytes output;          // stdout (at most max_output bytes)
  std::string reason;    // stderr's first line (without the newline), at most 1 KiB
};

struct handler_exec_options {
  std::string command;
  std::vector<std::string> env;  // "NAME=value" added to ours
  std::size_t max_output = std::size_t{16} << 20;
  std::chrono::milliseconds timeout{0};  // 0: none
};

class handler_exec : public std::enable_shared_from_this<handler_exec> {
 public:
  using done_handler = std::function<void(handler_exec_result)>;

  // Starts the child; done runs once on io (never inline) when it has exited and its pipes
  // are closed, or at once if it could not start.
  static std::shared_ptr<handler_exec> start(asio::io_context& io,
                                             const handler_exec_options& options, bytes input,
                                             done_handler done);
  // Kills the child's process group (SIGKILL); done still runs.
  void kill();

  handler_exec(asio::io_context& io, done_handler done);

 private:
  void launch(const handler_exec_options& options, bytes input);
  void read_stdout();
  void read_stderr();
  void pipe_closed();
  void try_finish();
  void wait_signal();
  void finish();

  asio::io_context& io_;
  done_handler done_;
  asio::posix::stream_descriptor to_child_;
  asio::posix::stream_descriptor from_stdout_;
  asio::posix::stream_descriptor from_stderr_;
  asio::signal_set sigchld_;
  asio::steady_timer timer_;
  pid_t pid_ = -1;
  bytes input_;
  std::array<char, 16384> out_buf_{};
  std::array<char, 4096> err_buf_{};
  std::string err_line_;
  bool err_line_done_ = false;
  std::size_t max_output_ = 0;
  int open_pipes_ = 2;
  bool exited_ = false;
  bool waiting_signal_ = false;
  bool finished_ = false;
  handler_exec_result result_;
};

}  // namespace wirekit::net
