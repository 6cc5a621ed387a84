#include "wirekit/net/datagram_receiver.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace wirekit::net {

namespace {

// The largest datagram either family can carry.
constexpr std::size_t max_datagram_bytes = 65536;
constexpr std::size_t max_drained_per_turn = 64;

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
  // Datagrams already queued in the kernel are read right away: one reactor round trip per
  // burst instead of per datagram. Bounded so other handlers get their turn.
  for (std::size_t i = 0; i < max_drained_per_turn && running_; ++i) {
    std::error_code ec;
    const std::size_t n = socket_.receive_from(asio::buffer(buffer_), source_, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (ec) {
      if (on_error_) on_error_(ec);
      return;
    }
    on_datagram_(byte_view(buffer_.data(), n), source_);
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
