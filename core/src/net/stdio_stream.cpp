// "-": our stdin and stdout. We work on duplicates of fds 0 and 1 so that closing the stream
// never frees the numbers 0 and 1 for reuse; only a half-close lets go of the real fd 1.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "transports.hpp"

namespace wirekit::net::detail {

namespace {

class stdio_stream final : public byte_stream {
 public:
  stdio_stream(asio::io_context& io, int in_fd, int out_fd)
      : in_(io),
        out_(io),
        in_flags_(::fcntl(in_fd, F_GETFL)),
        out_flags_(::fcntl(out_fd, F_GETFL)) {
    in_.assign(in_fd);
    out_.assign(out_fd);
  }
  ~stdio_stream() override { close(); }

  void async_read_some(asio::mutable_buffer buf, io_handler handler) override {
    in_.async_read_some(buf, std::move(handler));
  }

  void async_write(asio::const_buffer buf, io_handler handler) override {
    write_to_descriptor(out_, buf, std::move(handler));
  }

  void async_write_gather(const_buffers bufs, io_handler handler) override {
    write_to_descriptor(out_, std::move(bufs), std::move(handler));
  }

  void async_shutdown_write(done_handler handler) override {
    release(out_, out_flags_);
    // The reader sees EOF only once every copy of fd 1 is closed; /dev/null keeps the number
    // taken so later writes to stdout go nowhere instead of into an unrelated file.
    struct stat st {};
    if (::fstat(STDOUT_FILENO, &st) == 0 && S_ISSOCK(st.st_mode)) {
      ::shutdown(STDOUT_FILENO, SHUT_WR);  // fd 0 may be the same socket: close is not enough
    }
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDOUT_FILENO);
      ::close(null_fd);
    }
    asio::post(in_.get_executor(), [h = std::move(handler)] { h({}); });
  }

  void close() override {
    release(in_, in_flags_);
    release(out_, out_flags_);
  }

  std::string describe() const override { return "-"; }

 private:
  // asio makes the descriptor non-blocking, which is shared with whoever else holds it (the
  // shell, a terminal): put the flags back before letting go.
  static void release(asio::posix::stream_descriptor& d, int flags) {
    if (!d.is_open()) return;
    if (flags >= 0) ::fcntl(d.native_handle(), F_SETFL, flags);
    std::error_code ignored;
    d.close(ignored);
  }

  asio::posix::stream_descriptor in_;
  asio::posix::stream_descriptor out_;
  int in_flags_;
  int out_flags_;
};

}  // namespace

void connect_stdio(asio::io_context& io, connect_handler handler) {
  const int in_fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  const int out_fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (in_fd < 0 || out_fd < 0) {
    const std::error_code ec(errno, std::system_category());
    if (in_fd >= 0) ::close(in_fd);
    if (out_fd >= 0) ::close(out_fd);
    return post_failure(io, std::move(handler), ec);
  }
  std::unique_ptr<byte_stream> stream;
  try {
    stream = std::make_unique<stdio_stream>(io, in_fd, out_fd);
  } catch (const std::system_error& e) {
    return post_failure(io, std::move(handler), e.code());
  }
  post_success(io, std::move(handler), std::move(stream));
}

}  // namespace wirekit::net::detail
