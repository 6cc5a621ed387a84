// A byte_stream over a connected stream socket (TCP or unix), made by the client connectors
// and by the server's accept loop.
#pragma once

#include <string>
#include <system_error>
#include <utility>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/byte_stream.hpp"

namespace wirekit::net {

template <class Protocol>
class socket_stream final : public byte_stream {
 public:
  using socket_type = typename Protocol::socket;

  socket_stream(socket_type socket, std::string description)
      : socket_(std::move(socket)), description_(std::move(description)) {}
  ~socket_stream() override { close(); }

  // The socket's own operations keep no reference to this object, so a handler may run after
  // the stream is gone (it then gets operation_aborted).
  void async_read_some(asio::mutable_buffer buf, io_handler handler) override {
    socket_.async_read_some(buf, std::move(handler));
  }

  void async_write(asio::const_buffer buf, io_handler handler) override {
    asio::async_write(socket_, buf, std::move(handler));
  }

  void async_write_gather(const_buffers bufs, io_handler handler) override {
    asio::async_write(socket_, std::move(bufs), std::move(handler));
  }

  void async_shutdown_write(done_handler handler) override {
    std::error_code ec;
    socket_.shutdown(asio::socket_base::shutdown_send, ec);
    asio::post(socket_.get_executor(), [h = std::move(handler), ec] { h(ec); });
  }

  void close() override {
    std::error_code ignored;
    socket_.close(ignored);
  }

  std::string describe() const override { return description_; }

  socket_type& socket() { return socket_; }

 private:
  socket_type socket_;
  std::string description_;
};

using tcp_stream = socket_stream<asio::ip::tcp>;
using unix_stream = socket_stream<asio::local::stream_protocol>;

}  // namespace wirekit::net
