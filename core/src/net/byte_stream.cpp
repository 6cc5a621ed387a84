#include "wirekit/net/byte_stream.hpp"

#include "transports.hpp"

namespace wirekit::net {

namespace detail {

tls_connector connect_tls = nullptr;

void post_failure(asio::io_context& io, connect_handler handler, std::error_code ec) {
  asio::post(io, [h = std::move(handler), ec] { h(ec, nullptr); });
}

void post_success(asio::io_context& io, connect_handler handler,
                  std::unique_ptr<byte_stream> stream) {
  asio::post(io,
             [h = std::move(handler), s = std::move(stream)]() mutable { h({}, std::move(s)); });
}

}  // namespace detail

namespace {

// One buffer after another (bufs[next] onwards), for transports without a gather write.
void write_from(byte_stream& stream, std::shared_ptr<const_buffers> bufs, std::size_t next,
                std::size_t written, io_handler handler) {
  stream.async_write((*bufs)[next], [&stream, bufs, next, written, h = std::move(handler)](
                                        std::error_code ec, std::size_t n) mutable {
    if (ec || next + 1 == bufs->size()) return h(ec, written + n);
    write_from(stream, bufs, next + 1, written + n, std::move(h));
  });
}

}  // namespace

void byte_stream::async_write_gather(const_buffers bufs, io_handler handler) {
  // An empty list still completes later, never inline (the contract).
  if (bufs.empty()) return async_write(asio::const_buffer{}, std::move(handler));
  write_from(*this, std::make_shared<const_buffers>(std::move(bufs)), 0, 0, std::move(handler));
}

void async_connect_stream(asio::io_context& io, const endpoint& where,
                          const stream_options& options, connect_handler handler) {
  switch (where.kind) {
    case endpoint_kind::stdio:
      return detail::connect_stdio(io, std::move(handler));
    case endpoint_kind::tcp:
      return detail::connect_tcp(io, where, options, std::move(handler));
    case endpoint_kind::tls:
      if (!detail::connect_tls) {
        return detail::post_failure(io, std::move(handler),
                                    std::make_error_code(std::errc::protocol_not_supported));
      }
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

bool tls_linked() {
  return detail::connect_tls != nullptr;
}

}  // namespace wirekit::net
