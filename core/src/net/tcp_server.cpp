#include "wirekit/net/tcp_server.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/core.h>

#include <csignal>
#include <cstdlib>
#include <string_view>

#include "wirekit/net/handler_process.hpp"

namespace wirekit::net {

namespace {

// Each connection holds a socket and, with a handler, two pipes or another socket: let the
// process use every descriptor it is allowed instead of failing accepts at 1024.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

constexpr auto accept_retry_pause = std::chrono::milliseconds(100);

}  // namespace

tcp_server::tcp_server(asio::io_context& io, const tcp_server_config& config, server_log& log)
    : io_(io),
      config_(config),
      handler_(config.handler),
      log_(log),
      stop_signals_(io, SIGTERM, SIGINT),
      reload_signal_(io, SIGHUP),
      grace_timer_(io),
      accept_pause_(io) {
  raise_descriptor_limit();
  if (handler_.kind == handler_kind::exec) {
    // Looked up once: a handler that cannot be run is a configuration error better told at
    // start than per client, and no connection pays for a PATH search.
    const char* path = std::getenv("PATH");
    handler_.program = find_program(handler_.argv.front(), path ? path : "/usr/bin:/bin");
    if (handler_.program.empty()) {
      throw std::runtime_error("cannot run " + handler_.argv.front() +
                               ": not found or not executable");
    }
  }
  bool any_tls = false;
  for (const auto& where : config_.listen)
    any_tls |= where.kind == endpoint_kind::tls;
  if (any_tls) {
    if (!config_.tls) throw std::runtime_error("a tls:// listener needs --cert and --key");
    tls_ = std::make_unique<tls_context>(*config_.tls);
  }
  if (!config_.wire_log_file.empty()) wires_ = std::make_unique<wire_log>(config_.wire_log_file);
  for (const auto& where : config_.listen) {
    for (auto& listener : stream_listener::open(io_, where, config_.backlog)) {
      listeners_.push_back(std::move(listener));
    }
  }
  for (const auto& listener : listeners_)
    log_.listening(listener->bound());
}

tcp_server::~tcp_server() {
  for (auto& listener : listeners_)
    listener->close();
}

bool tcp_server::run() {
  for (auto& listener : listeners_)
    accept(*listener);
  wait_stop_signal();
  wait_reload_signal();
  io_.run();
  log_.stopped(stats_);
  return interrupted_;
}

void tcp_server::accept(stream_listener& listener) {
  listener.async_accept([this, &listener](std::error_code ec, accepted_socket accepted) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (ec) {
      // Out of descriptors or a connection reset before we took it: pause, then go on.
      ++stats_.accept_errors;
      log_.error("accept on " + to_string(listener.bound()) + ": " + ec.message());
      accept_pause_.expires_after(accept_retry_pause);
      accept_pause_.async_wait([this, &listener](std::error_code ec) {
        if (!ec && !stopping_) accept(listener);
      });
      return;
    }
    on_accept(listener, std::move(accepted));
    accept(listener);
  });
}

void tcp_server::on_accept(stream_listener& listener, accepted_socket accepted) {
  const auto ip = accepted.peer.proto == "TCP" ? accepted.peer.remote_ip : std::string();
  if (live_.size() >= config_.max_conns) {
    ++stats_.refused_max_conns;
    log_.refused(accepted.peer, fmt::format("max-conns {} reached", config_.max_conns));
    return;  // the socket closes as accepted goes out of scope
  }
  if (config_.max_per_ip > 0 && !ip.empty() && per_ip_[ip] >= config_.max_per_ip) {
    ++stats_.refused_per_ip;
    log_.refused(accepted.peer, fmt::format("max-per-ip {} reached", config_.max_per_ip));
    return;
  }
  ++stats_.accepted;
  if (!ip.empty()) ++per_ip_[ip];
  auto tls = listener.is_tls() ? tls_->current() : nullptr;
  auto conn = std::make_shared<connection>(
      io_, std::move(accepted), std::move(tls), handler_, config_.limits, wires_.get(),
      [this, ip](connection& done, const connection_report& report) {
        log_.closed(report);
        if (!ip.empty() && --per_ip_[ip] == 0) per_ip_.erase(ip);
        live_.erase(&done);
        if (stopping_ && live_.empty()) finish_stop();
      });
  live_.emplace(conn.get(), conn);
  conn->start();
}

void tcp_server::wait_stop_signal() {
  stop_signals_.async_wait([this](std::error_code ec, int signo) {
    if (ec) return;
    const char* name = signo == SIGINT ? "SIGINT" : "SIGTERM";
    if (stopping_) {
      // A second signal: no more grace.
      log_.stopping(name, live_.size());
      auto all = live_;
      for (auto& [key, conn] : all)
        conn->abort(close_reason::shutdown);
      return;
    }
    wait_stop_signal();  // before stop(): it may cancel the wait when nothing is live
    stop(name);
  });
}

void tcp_server::wait_reload_signal() {
  reload_signal_.async_wait([this](std::error_code ec, int) {
    if (ec) return;
    if (tls_) {
      try {
        tls_->reload();
        log_.reloaded(true, "");
      } catch (const std::exception& e) {
        log_.reloaded(false, e.what());
      }
    }
    wait_reload_signal();
  });
}

void tcp_server::stop(std::string_view signal) {
  stopping_ = true;
  interrupted_ = true;
  log_.stopping(signal, live_.size());
  for (auto& listener : listeners_)
    listener->close();
  accept_pause_.cancel();
  std::error_code ignored;
  reload_signal_.cancel(ignored);
  auto all = live_;
  for (auto& [key, conn] : all)
    conn->drain();
  if (live_.empty()) return finish_stop();
  grace_timer_.expires_after(config_.grace);
  grace_timer_.async_wait([this](std::error_code ec) {
    if (ec) return;
    auto left = live_;
    for (auto& [key, conn] : left)
      conn->abort(close_reason::shutdown);
  });
}

// Nothing is left: let io_context::run return (child reapers may still hold it briefly).
void tcp_server::finish_stop() {
  grace_timer_.cancel();
  std::error_code ignored;
  stop_signals_.cancel(ignored);
}

}  // namespace wirekit::net
