#include "wirekit/net/connection.hpp"

#include "wirekit/net/asio.hpp"  // first: see there

#include <algorithm>
#include <asio/ssl.hpp>

#include "wirekit/net/handler_process.hpp"
#include "wirekit/net/socket_stream.hpp"
#include "wirekit/net/tls_socket_stream.hpp"

namespace wirekit::net {

std::string_view to_string(close_reason reason) {
  switch (reason) {
    case close_reason::done:
      return "done";
    case close_reason::client_error:
      return "client-error";
    case close_reason::handler_failed:
      return "handler-failed";
    case close_reason::handshake_failed:
      return "handshake-failed";
    case close_reason::handshake_timeout:
      return "handshake-timeout";
    case close_reason::idle_timeout:
      return "idle-timeout";
    case close_reason::shutdown:
      return "shutdown";
  }
  return "unknown";
}

namespace {

// A pump's buffer starts this small and doubles up to --buffer-size while reads fill it: an
// idle connection (most of them, with many clients) holds little, a busy one gets big reads.
inline constexpr std::size_t pump_initial_bytes = 1024;

}  // namespace

// One direction: read from `from` into a buffer, write it all to `to`, read again. At most one
// buffer per direction is ever held, so a slow reader stalls its writer (backpressure) instead
// of growing memory.
struct connection::pump {
  byte_stream* from;
  byte_stream* to;
  bool from_client;
  bool to_client;
  std::unique_ptr<char[]> buf;
  std::size_t size = 0;
  std::size_t limit = 0;
  bool full = false;  // the last read filled buf: grow it once the write is done
  bool writing = false;
  bool stopping = false;  // EOF seen or drain asked: no more reads are passed on
  bool ended = false;     // `to` has been half-closed
};

connection::connection(asio::io_context& io, accepted_socket accepted,
                       std::shared_ptr<tls_generation> tls, const handler_spec& handler,
                       const connection_limits& limits, wire_log* wires, done_callback done)
    : io_(io),
      accepted_(std::move(accepted)),
      tls_(std::move(tls)),
      handler_(handler),
      limits_(limits),
      wires_(wires),
      done_(std::move(done)),
      timer_(io),
      started_(std::chrono::steady_clock::now()),
      last_activity_(started_) {
  report_.peer = accepted_.peer;
}

connection::~connection() = default;

void connection::start() {
  const auto description = accepted_.peer.describe();
  if (auto* tcp = std::get_if<asio::ip::tcp::socket>(&accepted_.socket)) {
    if (tls_) {
      auto stream = std::make_unique<tls_socket_stream>(
          std::move(*tcp), tls_->default_context().native_handle(), description);
      tls_client_ = stream.get();
      client_ = std::move(stream);
      handshaking_ = true;
      timer_.expires_after(limits_.handshake_timeout);
      timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec && self->handshaking_) self->finish(close_reason::handshake_timeout);
      });
      tls_client_->async_accept(
          [self = shared_from_this()](std::error_code ec) { self->on_handshake(ec); });
      return;
    }
    client_ = std::make_unique<tcp_stream>(std::move(*tcp), description);
  } else {
    client_ = std::make_unique<unix_stream>(
        std::move(std::get<asio::local::stream_protocol::socket>(accepted_.socket)), description);
  }
  start_handler();
}

void connection::on_handshake(std::error_code ec) {
  if (finished_) return;
  handshaking_ = false;
  timer_.cancel();
  if (ec) return finish(close_reason::handshake_failed, ec.message());
  report_.tls = describe_tls_peer(tls_client_->native_handle());
  start_handler();
}

void connection::start_handler() {
  switch (handler_.kind) {
    case handler_kind::echo:
      return start_pumps();
    case handler_kind::exec: {
      std::error_code ec;
      handler_stream_ = spawn_handler(io_.get_executor(), handler_.program, handler_.argv,
                                      report_.peer, report_.tls ? &*report_.tls : nullptr, ec);
      if (ec) {
        return finish(close_reason::handler_failed,
                      "cannot run " + handler_.argv.front() + ": " + ec.message());
      }
      return start_pumps();
    }
    case handler_kind::forward:
      async_connect_stream(
          io_, handler_.forward_to, handler_.forward_options,
          [self = shared_from_this()](std::error_code ec, std::unique_ptr<byte_stream> stream) {
            if (self->finished_) return;
            if (ec) {
              return self->finish(close_reason::handler_failed,
                                  "cannot connect to " + to_string(self->handler_.forward_to) +
                                      ": " + ec.message());
            }
            self->handler_stream_ = std::move(stream);
            if (self->draining_) return self->finish(close_reason::shutdown);
            self->start_pumps();
          });
      return;
  }
}

void connection::start_pumps() {
  const auto make = [&](byte_stream* from, byte_stream* to) {
    auto p = std::make_unique<pump>();
    p->from = from;
    p->to = to;
    p->from_client = from == client_.get();
    p->to_client = to == client_.get();
    p->limit = limits_.buffer_bytes;
    p->size = std::min(pump_initial_bytes, p->limit);
    p->buf.reset(new char[p->size]);
    pumps_.push_back(std::move(p));
  };
  if (handler_stream_) {
    make(client_.get(), handler_stream_.get());
    make(handler_stream_.get(), client_.get());
  } else {
    make(client_.get(), client_.get());
  }
  touch();
  arm_idle_timer();
  for (auto& p : pumps_)
    pump_read(*p);
}

void connection::pump_read(pump& p) {
  p.from->async_read_some(asio::buffer(p.buf.get(), p.size), [self = shared_from_this(), &p](
                                                                 std::error_code ec,
                                                                 std::size_t n) {
    if (self->finished_ || p.stopping) return;
    // A TLS client that closes without close_notify still ends its input.
    const bool end =
        ec == asio::error::eof || (p.from_client && ec == asio::ssl::error::stream_truncated);
    if (end) {
      p.stopping = true;
      return self->on_pump_end(p);
    }
    if (ec) {
      return self->finish(p.from_client ? close_reason::client_error : close_reason::handler_failed,
                          ec.message());
    }
    if (p.from_client) {
      self->report_.bytes_in += n;
      if (self->wires_) self->wires_->received(self->report_.peer, {p.buf.get(), n});
    }
    self->touch();
    p.full = n == p.size;
    p.writing = true;
    p.to->async_write(asio::buffer(p.buf.get(), n), [self, &p](std::error_code ec, std::size_t n) {
      if (self->finished_) return;
      p.writing = false;
      if (ec) {
        // A handler may stop reading before it is done writing (it answered and exits):
        // what the client still sends has nowhere to go, the handler's output goes on.
        if (!p.to_client && ec == asio::error::broken_pipe) {
          p.stopping = true;
          p.ended = true;
          return self->finish_if_ended();
        }
        return self->finish(p.to_client ? close_reason::client_error : close_reason::handler_failed,
                            ec.message());
      }
      if (p.to_client) {
        self->report_.bytes_out += n;
        if (self->wires_) self->wires_->sent(self->report_.peer, {p.buf.get(), n});
      }
      self->touch();
      if (p.full && p.size < p.limit) {
        p.size = std::min(p.size * 2, p.limit);
        p.buf.reset(new char[p.size]);
      }
      if (p.stopping) return self->on_pump_end(p);
      self->pump_read(p);
    });
  });
}

// The source ended (or drain): half-close the destination once no write is in flight.
void connection::on_pump_end(pump& p) {
  if (p.writing || p.ended) return;
  p.ended = true;
  p.to->async_shutdown_write([self = shared_from_this()](std::error_code) {
    if (!self->finished_) self->finish_if_ended();
  });
}

void connection::finish_if_ended() {
  for (const auto& q : pumps_) {
    if (!q->ended) return;
  }
  finish(close_reason::done);
}

void connection::arm_idle_timer() {
  if (limits_.idle_timeout.count() <= 0) return;
  timer_.expires_at(last_activity_ + limits_.idle_timeout);
  timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->finished_) return;
    if (std::chrono::steady_clock::now() - self->last_activity_ >= self->limits_.idle_timeout) {
      return self->finish(close_reason::idle_timeout);
    }
    self->arm_idle_timer();
  });
}

void connection::drain() {
  if (finished_) return;
  draining_ = true;
  if (handshaking_) return finish(close_reason::shutdown);
  // Only the client's input stops; the handler's output goes on to the client.
  for (auto& p : pumps_) {
    if (!p->from_client || p->stopping) continue;
    p->stopping = true;
    on_pump_end(*p);
  }
}

void connection::abort(close_reason reason) {
  finish(reason);
}

void connection::finish(close_reason reason, std::string detail) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  if (client_) client_->close();
  if (handler_stream_) handler_stream_->close();
  report_.reason = reason;
  report_.detail = std::move(detail);
  report_.duration = std::chrono::steady_clock::now() - started_;
  auto done = std::move(done_);
  if (done) done(*this, report_);
}

}  // namespace wirekit::net
