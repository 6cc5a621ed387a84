#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <set>
#include <sstream>

#include "stream_support.hpp"
#include "wirekit/net/exec_stream.hpp"

using namespace wirekit::net;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<byte_stream> connect(asio::io_context& io, const std::string& text) {
  std::unique_ptr<byte_stream> stream;
  std::error_code error;
  bool called = false;
  async_connect_stream(io, *parse_endpoint(text), {},
                       [&](std::error_code ec, std::unique_ptr<byte_stream> s) {
                         called = true;
                         error = ec;
                         stream = std::move(s);
                       });
  CHECK_FALSE(called);  // never inline
  REQUIRE(test::run_until(io, [&] { return called; }));
  REQUIRE_FALSE(error);
  return stream;
}

bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

TEST_CASE("exec:cat echoes and half-close ends the child's output", "[net][exec]") {
  asio::io_context io;
  auto stream = connect(io, "exec:cat");
  auto* exec = dynamic_cast<exec_stream*>(stream.get());
  REQUIRE(exec);
  const pid_t pid = exec->pid();
  CHECK(stream->describe() == "exec:cat");

  test::read_all reader{stream.get()};
  reader.start();
  const std::string text = "hello through a child\n";
  bool written = false;
  stream->async_write(asio::buffer(text), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == text.size());
    stream->async_shutdown_write([&](std::error_code ec) {
      CHECK_FALSE(ec);
      written = true;
    });
  });
  REQUIRE(test::run_until(io, [&] { return reader.done && written; }));
  CHECK(reader.error == asio::error::eof);
  CHECK(reader.text == text);

  stream->close();
  CHECK(test::run_until(io, [&] { return gone(pid); }));
}

TEST_CASE("exec close reaps a child that ignores its stdin closing", "[net][exec]") {
  asio::io_context io;
  auto stream = connect(io, "exec:exec sleep 30");
  const pid_t pid = dynamic_cast<exec_stream&>(*stream).pid();
  stream.reset();  // closes and hands the child to the reaper: SIGTERM after the grace
  CHECK(test::run_until(
      io, [&] { return gone(pid); }, 8s));
}

TEST_CASE("exec close cancels a pending read", "[net][exec]") {
  asio::io_context io;
  auto stream = connect(io, "exec:cat");
  const pid_t pid = dynamic_cast<exec_stream&>(*stream).pid();
  test::read_all reader{stream.get()};
  reader.start();
  io.poll();
  stream->close();
  REQUIRE(test::run_until(io, [&] { return reader.done; }));
  CHECK(reader.error == asio::error::operation_aborted);
  CHECK(test::run_until(io, [&] { return gone(pid); }));
}

TEST_CASE("exec pipes are not inherited by other children", "[net][exec]") {
  asio::io_context io;
  std::error_code ec;
  const auto first = spawn_child({"cat"}, {}, ec);
  REQUIRE_FALSE(ec);
  exec_stream first_stream(io.get_executor(), first, "first");
  const auto second = spawn_child({"ls", "/proc/self/fd"}, {}, ec);
  REQUIRE_FALSE(ec);
  exec_stream second_stream(io.get_executor(), second, "second");
  test::read_all reader{&second_stream};
  reader.start();
  REQUIRE(test::run_until(io, [&] { return reader.done; }));
  std::set<std::string> listed;
  std::istringstream lines(reader.text);
  for (std::string line; std::getline(lines, line);)
    listed.insert(line);
  CHECK(listed.count("0") == 1);
  CHECK(listed.count(std::to_string(first.stdin_fd)) == 0);
  CHECK(listed.count(std::to_string(first.stdout_fd)) == 0);
  CHECK(listed.count(std::to_string(second.stdout_fd)) == 0);
}

TEST_CASE("spawn_child reports a missing program and passes extra environment", "[net][exec]") {
  std::error_code ec;
  spawn_child({"/nonexistent/program"}, {}, ec);
  CHECK(ec.value() == ENOENT);

  asio::io_context io;
  const auto child =
      spawn_child({"sh", "-c", "printf %s \"$WK_TEST_VAR\""}, {"WK_TEST_VAR=seen"}, ec);
  REQUIRE_FALSE(ec);
  exec_stream stream(io.get_executor(), child, "env");
  test::read_all reader{&stream};
  reader.start();
  REQUIRE(test::run_until(io, [&] { return reader.done; }));
  CHECK(reader.text == "seen");
}

TEST_CASE("a plain exec: command is split into words and run without the shell", "[net][exec]") {
  const auto words = direct_command("cat  -u\t-");
  REQUIRE(words);
  CHECK(words->words == std::vector<std::string>{"cat", "-u", "-"});
  // Found in PATH once, here; the spawn runs that file.
  CHECK(words->file.size() > 4);
  CHECK(words->file.substr(words->file.size() - 4) == "/cat");
  CHECK(::access(words->file.c_str(), X_OK) == 0);
  const auto with_path = direct_command("/bin/cat --show-ends a=b x,y:z@1%2+3");
  REQUIRE(with_path);
  CHECK(with_path->file == "/bin/cat");
  CHECK(with_path->words.size() == 4);

  // Shell syntax, assignments, builtins and unknown programs stay with /bin/sh.
  for (const char* command :
       {"cat | cat", "cat > out", "cat $HOME", "cat 'a b'", "cat *", "cat ~", "cat; cat",
        "cat # note", "A=1 cat", "exec cat", "cd /", "echo hi", "true", "if", "", "   ",
        "no-such-program-wirekit", "./no/such/path"}) {
    INFO(command);
    CHECK_FALSE(direct_command(command));
  }
}

TEST_CASE("exec: runs a plain command as the child itself and a shell command under sh",
          "[net][exec]") {
  // posix_spawn returns once the child has switched to its program's memory, which carries
  // the program's file (its name in /proc may still be the parent's for a moment);
  // "cat; true" keeps sh as the child until cat has ended.
  const auto child_program = [](const std::string& text) {
    asio::io_context io;
    auto stream = connect(io, text);
    auto* exec = dynamic_cast<exec_stream*>(stream.get());
    REQUIRE(exec);
    const pid_t pid = exec->pid();
    std::error_code ec;
    const auto program = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
    CHECK_FALSE(ec);
    stream->close();  // cat sees the end of its input and exits
    CHECK(test::run_until(io, [&] { return gone(pid); }));
    return program.filename().string();
  };
  CHECK(child_program("exec:cat -u") == "cat");
  CHECK(child_program("exec:cat; true") != "cat");
}
