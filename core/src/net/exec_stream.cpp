// exec:COMMAND: /bin/sh -c COMMAND with pipes on its stdin and stdout (a plain command is
// spawned without the shell).
#include "wirekit/net/exec_stream.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "transports.hpp"

namespace wirekit::net {

namespace {

// dash's builtins and the shell's reserved words: as a first word, only sh runs them right.
constexpr std::array<std::string_view, 46> shell_words = {
    ".",       ":",        "[",        "alias",  "bg",    "break",   "cd",     "chdir",
    "command", "continue", "echo",     "eval",   "exec",  "exit",    "export", "false",
    "fc",      "fg",       "getopts",  "hash",   "jobs",  "kill",    "local",  "printf",
    "pwd",     "read",     "readonly", "return", "set",   "shift",   "test",   "times",
    "trap",    "true",     "type",     "ulimit", "umask", "unalias", "unset",  "wait",
    "case",    "for",      "if",       "select", "until", "while"};

bool plain_character(char c) {
  const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || std::string_view("_-./:,+=@%").find(c) != std::string_view::npos;
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (executable_file(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    // An empty entry means the current directory, as for the shell.
    auto file = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (executable_file(file)) return file;
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace

std::optional<direct_program> direct_command(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : command) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (plain_character(c)) {
      word += c;
    } else {
      return std::nullopt;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty()) return std::nullopt;
  const auto& first = words.front();
  if (first.find('=') != std::string::npos) return std::nullopt;
  if (std::find(shell_words.begin(), shell_words.end(), first) != shell_words.end()) {
    return std::nullopt;
  }
  auto file = find_program(first);
  if (!file) return std::nullopt;
  return direct_program{std::move(*file), std::move(words)};
}

exec_stream::exec_stream(const asio::any_io_executor& executor, spawned_child child,
                         std::string description)
    : executor_(executor),
      to_child_(executor, child.stdin_fd),
      from_child_(executor, child.stdout_fd),
      pid_(child.pid),
      description_(std::move(description)) {}

exec_stream::~exec_stream() {
  close();
}

void exec_stream::async_read_some(asio::mutable_buffer buf, io_handler handler) {
  from_child_.async_read_some(buf, std::move(handler));
}

void exec_stream::async_write(asio::const_buffer buf, io_handler handler) {
  detail::write_to_descriptor(to_child_, buf, std::move(handler));
}

void exec_stream::async_write_gather(const_buffers bufs, io_handler handler) {
  detail::write_to_descriptor(to_child_, std::move(bufs), std::move(handler));
}

void exec_stream::async_shutdown_write(done_handler handler) {
  std::error_code ec;
  to_child_.close(ec);
  asio::post(executor_, [h = std::move(handler), ec] { h(ec); });
}

void exec_stream::close() {
  std::error_code ignored;
  to_child_.close(ignored);
  from_child_.close(ignored);
  if (pid_ > 0) {
    reap_child(executor_, pid_);
    pid_ = -1;
  }
}

namespace detail {

void connect_exec(asio::io_context& io, const endpoint& where, connect_handler handler) {
  std::error_code ec;
  auto child = spawned_child{};
  if (const auto direct = direct_command(where.command)) {
    child = spawn_child(direct->words, {}, ec, direct->file);
  }
  // Not plain, or not spawnable as it is (a script without "#!" is run by sh): the shell.
  if (child.pid <= 0) child = spawn_child({"/bin/sh", "-c", where.command}, {}, ec);
  if (ec) return post_failure(io, std::move(handler), ec);
  post_success(io, std::move(handler),
               std::make_unique<exec_stream>(io.get_executor(), child, to_string(where)));
}

}  // namespace detail

}  // namespace wirekit::net
