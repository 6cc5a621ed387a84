// A byte_stream over a child process's stdin (we write) and stdout (we read).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/child_process.hpp"

namespace wirekit::net {

// The words of an exec: command that /bin/sh would run as one program with these arguments
// and nothing more: plain words (letters, digits, _-./:,+=@%), the first neither a variable
// assignment nor a shell builtin or keyword, and found as an executable (in PATH when it has
// no '/'). Such a command is spawned directly, which saves starting a shell (~2.5 ms here);
// anything else, and a program that is not found (sh says so, exit 127), is left to sh.
struct direct_program {
  std::string file;                // where the program was found (the search is done here)
  std::vector<std::string> words;  // its argv
};
std::optional<direct_program> direct_command(std::string_view command);

class exec_stream final : public byte_stream {
 public:
  // Takes ownership of child's descriptors and of reaping it.
  exec_stream(const asio::any_io_executor& executor, spawned_child child, std::string description);
  ~exec_stream() override;

  void async_read_some(asio::mutable_buffer buf, io_handler handler) override;
  void async_write(asio::const_buffer buf, io_handler handler) override;
  void async_write_gather(const_buffers bufs, io_handler handler) override;
  // Closes the child's stdin.
  void async_shutdown_write(done_handler handler) override;
  // Closes both pipes and reaps the child: at once if it has exited, else on the io_context
  // (see reap_child), so keep running it until it is idle.
  void close() override;
  std::string describe() const override { return description_; }

  pid_t pid() const { return pid_; }

 private:
  asio::any_io_executor executor_;
  asio::posix::stream_descriptor to_child_;
  asio::posix::stream_descriptor from_child_;
  pid_t pid_;
  std::string description_;
};

}  // namespace wirekit::net
