#include "wirekit/net/datagram_receiver.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace wirekit::net {

namespace {

// The largest datagram either family can carry.
constexpr std::size_t max_datagram_bytes = 65536;
constexpr std::size_t max_drained_per_turn = 256;
// Datagrams per recvmmsg call; each has a buffer of max_datagram_bytes.
constexpr std::size_t batch_datagrams = 16;

// A socket file left by a process that died answers nothing; a live one accepts a connect.
void remove_stale_socket_file(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) {
    throw std::system_error(std::make_error_code(std::errc::file_exists),
                            "cannot bind uxd:" + path + ": the file exists and is not a socket");
  }
  asio::io_context probe_io;
  asio::local::datagram_protocol::socket probe(probe_io);
  std::error_code ec;
  probe.open(asio::local::datagram_protocol(), ec);
  if (!ec) probe.connect(asio::local::datagram_protocol::endpoint(path), ec);
  if (!ec) {
    throw std::system_error(std::make_error_code(std::errc::address_in_use),
                            "cannot bind uxd:" + path + ": another process receives on it");
  }
  ::unlink(path.c_str());
}

}  // namespace

datagram_receiver::datagram_receiver(asio::io_context& io, const endpoint& where,
                                     const datagram_receiver_options& options)
    : socket_(io), buffer_(max_datagram_bytes) {
  const auto address = resolve_datagram(io, where);
  if (where.kind == endpoint_kind::unix_datagram) remove_stale_socket_file(where.path);
  std::error_code ec;
  socket_.open(address.protocol(), ec);
  if (!ec) {
    socket_.set_option(
        asio::socket_base::receive_buffer_size(static_cast<int>(options.receive_buffer_bytes)), ec);
    ec = {};  // a smaller buffer than asked for is not fatal
    socket_.bind(address, ec);
  }
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) throw std::system_error(ec, "cannot bind " + to_string(where));
  if (where.kind == endpoint_kind::unix_datagram) unix_path_ = where.path;
}

datagram_receiver::datagram_receiver(asio::io_context& io, datagram_protocol::socket& bound)
    : socket_(io), buffer_(max_datagram_bytes) {
  std::error_code ec;
  const auto local = bound.local_endpoint(ec);
  const int fd = ec ? -1 : ::dup(bound.native_handle());
  if (!ec && fd < 0) ec = std::error_code(errno, std::system_category());
  if (!ec) {
    socket_.assign(local.protocol(), fd, ec);
    if (ec) ::close(fd);
  }
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) throw std::system_error(ec, "cannot receive on the sending socket");
}

datagram_receiver::~datagram_receiver() {
  std::error_code ignored;
  socket_.close(ignored);
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

void datagram_receiver::start(handler on_datagram, std::function<void(std::error_code)> on_error) {
  on_datagram_ = std::move(on_datagram);
  on_error_ = std::move(on_error);
  running_ = true;
  receive_next();
}

void datagram_receiver::stop() {
  running_ = false;
  std::error_code ignored;
  socket_.cancel(ignored);
}

datagram_address datagram_receiver::local_address() const {
  return socket_.local_endpoint();
}

void datagram_receiver::drain_ready() {
  // Datagrams already queued in the kernel are read right away, many per system call
  // (recvmmsg): one reactor round trip per burst instead of per datagram. Bounded so other
  // handlers get their turn.
  if (slots_.empty()) {
    slots_.resize(batch_datagrams);
    messages_.resize(batch_datagrams);
  }
  const int fd = socket_.native_handle();
  for (std::size_t done = 0; done < max_drained_per_turn && running_;) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& slot = slots_[i];
      if (slot.buffer.empty()) slot.buffer.resize(max_datagram_bytes);
      slot.piece = {slot.buffer.data(), slot.buffer.size()};
      auto& h = messages_[i].msg_hdr;
      h = {};
      h.msg_iov = &slot.piece;
      h.msg_iovlen = 1;
      h.msg_name = slot.source.data();
      h.msg_namelen = static_cast<socklen_t>(slot.source.capacity());
    }
    const int n = ::recvmmsg(fd, messages_.data(), static_cast<unsigned>(messages_.size()),
                             MSG_DONTWAIT, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      if (on_error_) on_error_(std::error_code(errno, std::system_category()));
      return;
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) && running_; ++i) {
      auto& slot = slots_[i];
      slot.source.resize(messages_[i].msg_hdr.msg_namelen);
      on_datagram_(byte_view(slot.buffer.data(), messages_[i].msg_len), slot.source);
    }
    if (static_cast<std::size_t>(n) < slots_.size()) return;  // the kernel queue is empty
    done += static_cast<std::size_t>(n);
  }
}

void datagram_receiver::receive_next() {
  if (!running_) return;
  socket_.async_receive_from(asio::buffer(buffer_), source_,
                             [this](std::error_code ec, std::size_t n) {
                               if (ec == asio::error::operation_aborted || !running_) return;
                               if (ec) {
                                 if (on_error_) on_error_(ec);
                               } else {
                                 on_datagram_(byte_view(buffer_.data(), n), source_);
                                 drain_ready();
                               }
                               receive_next();
                             });
}

}  // namespace wirekit::net
