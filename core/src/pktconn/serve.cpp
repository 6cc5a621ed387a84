#include "wirekit/pktconn/serve.hpp"
#include "wirekit/net/stop_signals.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "wirekit/cli/errors.hpp"
#include "wirekit/pktconn/handlers.hpp"
#include "wirekit/pktconn/pipe_size.hpp"
#include "wirekit/pktconn/session.hpp"

namespace wirekit::pktconn {

namespace {

struct outstanding {
  std::unique_ptr<asio::steady_timer> timer;  // only for answers that do not come at once
  bool answered = false;
};

class server {
 public:
  server(asio::io_context& io, const serve_config& config)
      : io_(io), config_(config), signals_(io, SIGINT, SIGTERM), goodbye_timer_(io) {
    switch (config.handler) {
      case handler_kind::echo:
        handler_ = make_echo_handler();
        break;
      case handler_kind::demo:
        handler_ = make_demo_handler(io);
        break;
      case handler_kind::exec:
        handler_ = make_exec_handler(io, config.command, config.limits.max_packet_bytes);
        break;
      case handler_kind::coproc:
        handler_ = make_coproc_handler(io, config.command, config.limits.max_packet_bytes);
        break;
    }
  }

  void start() {
    signals_.async_wait([this](std::error_code ec, int) {
      if (ec) return;
      interrupted_ = true;
      if (!session_) return io_.stop();
      session_->engine().close();
      session_->flush();
      arm_goodbye_timer();
    });
    net::async_connect_stream(
        io_, config_.where, config_.stream,
        [this](std::error_code ec, std::unique_ptr<net::byte_stream> s) {
          if (ec) {
            throw cli::failure(
                fmt::format("cannot open {}: {}", net::to_string(config_.where), ec.message()));
          }
          on_connected(std::move(s));
        });
  }

  cli::exit_code result() const {
    if (interrupted_) return cli::exit_code::interrupted;
    return failed_ ? cli::exit_code::failed : cli::exit_code::ok;
  }

 private:
  void on_connected(std::unique_ptr<net::byte_stream> stream) {
    packet::connection_config cc;
    cc.limits = config_.limits;
    cc.accepts_requests = true;
    cc.copy_payloads = false;  // dispatch() copies what outlives the event
    session_ = std::make_shared<session>(io_, std::move(stream), cc, config_.trace,
                                         std::max(config_.pipe_bytes, session::default_read_bytes));
    session_->start([this](packet::event& e) { on_event(e); }, [this] { on_done(); });
  }

  void on_event(packet::event& e) {
    using packet::event_kind;
    switch (e.kind) {
      case event_kind::request:
        dispatch(e);
        break;
      case event_kind::receive_ended: {
        const auto end = e.end;
        if (end == packet::end_reason::bad_packet || end == packet::end_reason::truncated) {
          failed_ = true;
          std::string why(packet::to_string(end));
          if (end == packet::end_reason::bad_packet)
            why += fmt::format(": {}", packet::to_string(e.error));
          fmt::print(stderr, "pktconn: serve: {} from {}\n", why, session_->describe());
        } else if (session_->read_error()) {
          failed_ = true;
          fmt::print(stderr, "pktconn: serve: reading {}: {}\n", session_->describe(),
                     session_->read_error().message());
        } else if (config_.verbose) {
          fmt::print(stderr, "pktconn: serve: {}\n", packet::to_string(end));
        }
        // The reference's shutdown: ERQ, the answers still owed, EOF.
        session_->engine().close();
        arm_goodbye_timer_if_interrupted();
        break;
      }
      case event_kind::notice:
        if (config_.verbose) {
          fmt::print(stderr, "pktconn: serve: channel {} tag {}: {}\n", e.channel, e.tag,
                     packet::to_string(e.notice));
        }
        break;
      default:
        break;
    }
  }

  void dispatch(packet::event& e) {
    if (config_.handler == handler_kind::echo) {
      // The answer is the request's own payload, ready now: no closure, no copy of it.
      session_->engine().respond(e.channel, e.tag, true, 0, e.payload_view);
      return;
    }
    const auto key = std::make_pair(e.channel, e.tag);
    auto state = std::make_shared<outstanding>();
    auto answer = [this, key, state](packet::handler_result r) {
      if (state->answered) return;
      state->answered = true;
      if (state->timer) state->timer->cancel();
      outstanding_.erase(key);
      if (!session_ || session_->done()) return;
      session_->engine().respond(key.first, key.second, r.ok, r.flags, r.payload);
      session_->flush();
    };
    request_info rq{e.channel, e.tag, e.rq_type, e.flags,
                    bytes(e.payload_view.begin(), e.payload_view.end())};
    handler_->handle(std::move(rq), answer);
    if (state->answered) return;  // answered at once (echo, most of demo): no timer needed
    outstanding_[key] = state;
    if (config_.handler_timeout.count() > 0) {
      state->timer = std::make_unique<asio::steady_timer>(io_, config_.handler_timeout);
      state->timer->async_wait([this, key, answer](std::error_code ec) {
        if (ec) return;
        handler_->cancel(key.first, key.second);
        answer(failure("handler timed out"));
      });
    }
  }

  void arm_goodbye_timer_if_interrupted() {
    if (interrupted_) arm_goodbye_timer();
  }

  void arm_goodbye_timer() {
    goodbye_timer_.expires_after(config_.timeout);
    goodbye_timer_.async_wait([this](std::error_code ec) {
      if (ec) return;
      fmt::print(stderr, "pktconn: serve: timed out waiting for the peer's EOF\n");
      failed_ = true;
      finish();
    });
  }

  void on_done() {
    if (session_->write_error()) {
      failed_ = true;
      fmt::print(stderr, "pktconn: serve: writing {}: {}\n", session_->describe(),
                 session_->write_error().message());
    }
    finish();
  }

  void finish() {
    handler_->stop();
    if (session_) session_->abort();
    io_.stop();
  }

  asio::io_context& io_;
  const serve_config& config_;
  net::stop_signals signals_;
  asio::steady_timer goodbye_timer_;
  std::unique_ptr<request_handler> handler_;
  std::shared_ptr<session> session_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::shared_ptr<outstanding>> outstanding_;
  bool interrupted_ = false;
  bool failed_ = false;
};

}  // namespace

cli::exit_code serve(const serve_config& config) {
  if (config.where.kind == net::endpoint_kind::stdio) {
    set_pipe_size(0, config.pipe_bytes);
    set_pipe_size(1, config.pipe_bytes);
  }
  asio::io_context io(1);
  auto s = std::make_unique<server>(io, config);
  s->start();
  io.run();
  const auto code = s->result();
  s.reset();
  return code;
}

}  // namespace wirekit::pktconn
