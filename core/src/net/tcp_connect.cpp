// tcp://HOST:PORT: resolve, then try each address, the whole bounded by one timer.
#include <memory>

#include "transports.hpp"
#include "wirekit/net/socket_stream.hpp"

namespace wirekit::net::detail {

namespace {

class tcp_connect_op : public std::enable_shared_from_this<tcp_connect_op> {
 public:
  tcp_connect_op(asio::io_context& io, socket_handler handler)
      : resolver_(io), socket_(io), timer_(io), handler_(std::move(handler)) {}

  void start(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec) return;  // cancelled: the connect finished first
      self->finish(asio::error::timed_out);
    });
    resolver_.async_resolve(host, std::to_string(port), asio::ip::tcp::resolver::numeric_service,
                            [self = shared_from_this()](
                                std::error_code ec, asio::ip::tcp::resolver::results_type results) {
                              if (self->done_) return;
                              if (ec) return self->finish(ec);
                              asio::async_connect(
                                  self->socket_, results,
                                  [self](std::error_code ec, const asio::ip::tcp::endpoint&) {
                                    if (!self->done_) self->finish(ec);
                                  });
                            });
  }

 private:
  void finish(std::error_code ec) {
    done_ = true;
    timer_.cancel();
    resolver_.cancel();
    if (ec) {
      std::error_code ignored;
      socket_.close(ignored);
    }
    auto handler = std::move(handler_);
    handler(ec, std::move(socket_));
  }

  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  socket_handler handler_;
  bool done_ = false;
};

}  // namespace

void connect_tcp_socket(asio::io_context& io, const std::string& host, std::uint16_t port,
                        std::chrono::milliseconds timeout, socket_handler handler) {
  std::make_shared<tcp_connect_op>(io, std::move(handler))->start(host, port, timeout);
}

void connect_tcp(asio::io_context& io, const endpoint& where, const stream_options& options,
                 connect_handler handler) {
  connect_tcp_socket(io, where.host, where.port, options.connect_timeout,
                     [h = std::move(handler), text = to_string(where)](
                         std::error_code ec, asio::ip::tcp::socket socket) {
                       if (ec) return h(ec, nullptr);
                       std::error_code ignored;
                       socket.set_option(asio::ip::tcp::no_delay(true), ignored);
                       h(ec, std::make_unique<tcp_stream>(std::move(socket), text));
                     });
}

}  // namespace wirekit::net::detail
