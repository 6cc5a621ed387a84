#include <fmt/core.h>

#include <cstdio>
#include <functional>
#include <list>
#include "wirekit/net/asio.hpp"

#include "wirekit/cli/errors.hpp"
#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moatcmd/commands.hpp"
#include "wirekit/moatcmd/coproc.hpp"
#include "wirekit/moatcmd/session.hpp"
#include "wirekit/net/socket_stream.hpp"
#include "wirekit/net/stop_signals.hpp"
#include "wirekit/net/stream_listener.hpp"

namespace wirekit::moatcmd {

namespace {

// One peer served: its engine, the demo command set or a coproc child of its own, and the
// session over its stream. on_end runs once, after the link is down.
class served_link {
 public:
  served_link(asio::io_context& io, const serve_options& options, std::function<void()> on_end)
      : io_(io),
        options_(options),
        engine_(options.link.dialect, options.link.limits),
        on_end_(std::move(on_end)) {
    if (options.demo) {
      hooks_.on_event = [this](moat::engine& e, const moat::event& ev, clock::time_point now) {
        demo_.on_event(e, ev, now);
      };
      hooks_.on_tick = [this](moat::engine& e, clock::time_point now) { demo_.on_timer(e, now); };
      hooks_.next_deadline = [this] { return demo_.next_deadline(); };
    } else {
      child_ = std::make_unique<coproc_handler>(io, options.coproc, engine_);
      child_->on_change = [this] {
        if (session_) session_->kick();
      };
      child_->on_exit = [this](const std::string& why) {
        stop(why.empty() ? cli::exit_code::ok : cli::exit_code::failed, why);
      };
      hooks_.on_event = [this](moat::engine& e, const moat::event& ev, clock::time_point) {
        child_->on_event(e, ev);
      };
      hooks_.on_tick = [this](moat::engine& e, clock::time_point) { child_->on_tick(e); };
    }
    hooks_.on_down = [this](const std::string& reason) {
      if (!stopping_)
        stop(reason.empty() ? cli::exit_code::ok : cli::exit_code::failed,
             reason.empty() ? "" : "link failed: " + reason);
      else if (child_)
        child_->close();
      end();
    };
  }

  void start_child() {
    if (child_) child_->start();
  }

  void start(std::unique_ptr<net::byte_stream> stream) {
    session_ =
        std::make_shared<session>(io_, std::move(stream), engine_, hooks_, options_.link.trace);
    session_->start();
  }

  // The link could not be made: nothing to serve.
  void abandon() {
    stopping_ = true;
    if (child_) child_->close();
    end();
  }

  // Ends the link once what is owed has been written (answers, finals).
  void stop(cli::exit_code code, std::string why) {
    if (stopping_) return;
    stopping_ = true;
    result_ = code;
    failure_ = std::move(why);
    if (child_) child_->close();
    if (session_) session_->finish();
  }

  cli::exit_code result() const { return result_; }

  // The counters and the failure, one line each on stderr; prefix names the peer.
  void report(const std::string& prefix) const {
    const auto& st = engine_.stats();
    if (st.dropped_malformed + st.skipped_items > 0)
      fmt::print(stderr, "moatcmd: {}dropped {} malformed messages, skipped {} bad items\n", prefix,
                 st.dropped_malformed, st.skipped_items);
    if (!failure_.empty()) fmt::print(stderr, "moatcmd: {}{}\n", prefix, failure_);
  }

 private:
  void end() {
    if (ended_) return;
    ended_ = true;
    // Posted: the link may be destroyed by on_end, and we are inside one of its handlers.
    asio::post(io_, [cb = on_end_] { cb(); });
  }

  asio::io_context& io_;
  const serve_options& options_;
  moat::engine engine_;
  moat::demo_commands demo_;
  std::unique_ptr<coproc_handler> child_;
  std::shared_ptr<session> session_;
  session_hooks hooks_;
  std::function<void()> on_end_;
  cli::exit_code result_ = cli::exit_code::ok;
  std::string failure_;
  bool stopping_ = false;
  bool ended_ = false;
};

cli::exit_code serve_one(const serve_options& options) {
  asio::io_context io(1);
  net::stop_signals signals(io, SIGINT, SIGTERM);
  served_link link(io, options, [&] { signals.cancel(); });
  signals.async_wait([&](std::error_code ec, int) {
    if (!ec) link.stop(cli::exit_code::interrupted, "");
  });

  std::error_code connect_error;
  net::async_connect_stream(io, options.link.where, options.link.stream,
                            [&](std::error_code ec, std::unique_ptr<net::byte_stream> stream) {
                              if (ec) {
                                connect_error = ec;
                                link.abandon();
                                return;
                              }
                              link.start(std::move(stream));
                            });
  link.start_child();
  io.run();
  if (connect_error)
    throw cli::failure(fmt::format("cannot connect to {}: {}", net::to_string(options.link.where),
                                   connect_error.message()));
  link.report("");
  return link.result();
}

// --listen: every accepted connection is a link of its own (its own engine, and with
// --coproc its own child), until SIGINT/SIGTERM.
cli::exit_code serve_listening(const serve_options& options) {
  const auto& where = options.listen;
  if (where.kind == net::endpoint_kind::tls)
    throw cli::usage_error("--listen takes tcp:// or unix:; for tls:// run serve under tcpserve");
  asio::io_context io(1);
  auto listeners = net::stream_listener::open(io, where);
  net::stop_signals signals(io, SIGINT, SIGTERM);
  std::list<std::unique_ptr<served_link>> links;
  bool stopping = false;

  std::function<void(net::stream_listener&)> accept = [&](net::stream_listener& l) {
    l.async_accept([&](std::error_code ec, net::accepted_socket accepted) {
      if (ec == asio::error::operation_aborted || stopping) return;
      if (!ec) {
        const std::string peer = accepted.peer.describe();
        std::unique_ptr<net::byte_stream> stream;
        if (auto* tcp = std::get_if<asio::ip::tcp::socket>(&accepted.socket))
          stream = std::make_unique<net::tcp_stream>(std::move(*tcp), "tcp://" + peer);
        else
          stream = std::make_unique<net::unix_stream>(
              std::move(std::get<asio::local::stream_protocol::socket>(accepted.socket)), peer);
        if (links.size() >= options.max_connections) {
          fmt::print(stderr, "moatcmd: refused {}: {} connections open (--max-connections)\n", peer,
                     links.size());
          stream->close();
        } else {
          auto it = links.insert(links.end(), nullptr);
          *it = std::make_unique<served_link>(io, options, [&links, it, peer] {
            (*it)->report(peer + ": ");
            links.erase(it);
          });
          (*it)->start_child();
          (*it)->start(std::move(stream));
        }
      } else {
        fmt::print(stderr, "moatcmd: accept: {}\n", ec.message());
      }
      accept(l);
    });
  };
  for (auto& l : listeners) {
    fmt::print(stdout, "listening {}\n", net::to_string(l->bound()));
    accept(*l);
  }
  std::fflush(stdout);

  signals.async_wait([&](std::error_code ec, int) {
    if (ec) return;
    stopping = true;
    for (auto& l : listeners)
      l->close();  // a unix socket file is removed
    for (auto& link : links)
      link->stop(cli::exit_code::interrupted, "");
  });
  io.run();
  return cli::exit_code::interrupted;
}

}  // namespace

cli::exit_code run_serve(const serve_options& options) {
  if (options.demo == !options.coproc.empty())
    throw cli::usage_error("serve needs exactly one of --demo and --coproc CMD");
  if (options.listening) return serve_listening(options);
  return serve_one(options);
}

}  // namespace wirekit::moatcmd
