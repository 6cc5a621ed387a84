// exec:COMMAND: /bin/sh -c COMMAND with pipes on its stdin and stdout.
#include "wirekit/net/exec_stream.hpp"

#include "transports.hpp"

namespace wirekit::net {

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
  const auto child = spawn_child({"/bin/sh", "-c", where.command}, {}, ec);
  if (ec) return post_failure(io, std::move(handler), ec);
  post_success(io, std::move(handler),
               std::make_unique<exec_stream>(io.get_executor(), child, to_string(where)));
}

}  // namespace detail

}  // namespace wirekit::net
