// unix:PATH: one connect, bounded by a timer (a listener with a full backlog can stall it).
#include <memory>

#include "transports.hpp"
#include "wirekit/net/socket_stream.hpp"

namespace wirekit::net::detail {

namespace {

using unix_socket = asio::local::stream_protocol::socket;

class unix_connect_op : public std::enable_shared_from_this<unix_connect_op> {
 public:
  unix_connect_op(asio::io_context& io, connect_handler handler, std::string description)
      : socket_(io),
        timer_(io),
        handler_(std::move(handler)),
        description_(std::move(description)) {}

  void start(const std::string& path, std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec && !self->done_) self->finish(asio::error::timed_out);
    });
    socket_.async_connect(asio::local::stream_protocol::endpoint(path),
                          [self = shared_from_this()](std::error_code ec) {
                            if (!self->done_) self->finish(ec);
                          });
  }

 private:
  void finish(std::error_code ec) {
    done_ = true;
    timer_.cancel();
    auto handler = std::move(handler_);
    if (ec) {
      std::error_code ignored;
      socket_.close(ignored);
      return handler(ec, nullptr);
    }
    handler(ec, std::make_unique<unix_stream>(std::move(socket_), description_));
  }

  unix_socket socket_;
  asio::steady_timer timer_;
  connect_handler handler_;
  std::string description_;
  bool done_ = false;
};

}  // namespace

void connect_unix(asio::io_context& io, const endpoint& where, const stream_options& options,
                  connect_handler handler) {
  std::make_shared<unix_connect_op>(io, std::move(handler), to_string(where))
      ->start(where.path, options.connect_timeout);
}

}  // namespace wirekit::net::detail
