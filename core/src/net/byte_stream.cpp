#include "wirekit/net/byte_stream.hpp"

#include "transports.hpp"

namespace wirekit::net {

namespace detail {

void post_failure(asio::io_context& io, connect_handler handler, std::error_code ec) {
  asio::post(io, [h = std::move(handler), ec] { h(ec, nullptr); });
}

void post_success(asio::io_context& io, connect_handler handler,
                  std::unique_ptr<byte_stream> stream) {
  asio::post(io,
             [h = std::move(handler), s = std::move(stream)]() mutable { h({}, std::move(s)); });
}

}  // namespace detail

void async_connect_stream(asio::io_context& io, const endpoint& where,
                          const stream_options& options, connect_handler handler) {
  switch (where.kind) {
    case endpoint_kind::stdio:
      return detail::connect_stdio(io, std::move(handler));
    case endpoint_kind::tcp:
      return detail::connect_tcp(io, where, options, std::move(handler));
    case endpoint_kind::tls:
      return detail::connect_tls(io, where, options, std::move(handler));
    case endpoint_kind::unix_stream:
      return detail::connect_unix(io, where, options, std::move(handler));
    case endpoint_kind::exec:
      return detail::connect_exec(io, where, std::move(handler));
    case endpoint_kind::udp:
    case endpoint_kind::unix_datagram:
      break;
  }
  detail::post_failure(io, std::move(handler), std::make_error_code(std::errc::invalid_argument));
}

}  // namespace wirekit::net
