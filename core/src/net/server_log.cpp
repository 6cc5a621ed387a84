#include "wirekit/net/server_log.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace wirekit::net {

namespace {

void emit(const nlohmann::json& event) {
  const auto line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

void server_log::listening(const endpoint& bound) {
  if (json_) return emit({{"event", "listening"}, {"endpoint", to_string(bound)}});
  fmt::print(stdout, "listening {}\n", to_string(bound));
  std::fflush(stdout);
}

void server_log::closed(const connection_report& r) {
  if (json_) {
    nlohmann::json e = {{"event", "closed"},
                        {"peer", r.peer.describe()},
                        {"bytes_in", r.bytes_in},
                        {"bytes_out", r.bytes_out},
                        {"duration_s", seconds(r.duration)},
                        {"reason", to_string(r.reason)}};
    if (!r.detail.empty()) e["detail"] = r.detail;
    if (r.tls) {
      e["tls_version"] = r.tls->protocol;
      e["cipher"] = r.tls->cipher;
      if (!r.tls->alpn.empty()) e["alpn"] = r.tls->alpn;
      if (!r.tls->server_name.empty()) e["sni"] = r.tls->server_name;
      if (!r.tls->client_subject.empty()) e["client_dn"] = r.tls->client_subject;
    }
    return emit(e);
  }
  if (!verbose_) return;
  std::string tls;
  if (r.tls) {
    tls = fmt::format(" tls={} cipher={}", r.tls->protocol, r.tls->cipher);
    if (!r.tls->client_subject.empty())
      tls += fmt::format(" client_dn=\"{}\"", r.tls->client_subject);
  }
  fmt::print(stderr, "{}: {}{} in={} out={} duration={:.3f}s reason={}{}{}\n", tool_,
             r.peer.describe(), tls, r.bytes_in, r.bytes_out, seconds(r.duration),
             to_string(r.reason), r.detail.empty() ? "" : ": ", r.detail);
}

void server_log::refused(const connection_peer& peer, std::string_view why) {
  if (json_) return emit({{"event", "refused"}, {"peer", peer.describe()}, {"reason", why}});
  if (verbose_) fmt::print(stderr, "{}: {} refused: {}\n", tool_, peer.describe(), why);
}

void server_log::reloaded(bool ok, std::string_view detail) {
  if (json_) {
    return emit({{"event", "reload"}, {"ok", ok}, {"detail", detail}});
  }
  if (ok) {
    fmt::print(stderr, "{}: reloaded certificates and keys\n", tool_);
  } else {
    fmt::print(stderr, "{}: reload failed, keeping the old certificates: {}\n", tool_, detail);
  }
}

void server_log::stopping(std::string_view signal, std::size_t live) {
  if (json_) return emit({{"event", "stopping"}, {"signal", signal}, {"live", live}});
  if (verbose_)
    fmt::print(stderr, "{}: {}: stopping, {} connection(s) live\n", tool_, signal, live);
}

void server_log::stopped(const tcp_server_stats& s) {
  if (json_) {
    return emit({{"event", "stopped"},
                 {"accepted", s.accepted},
                 {"refused_max_conns", s.refused_max_conns},
                 {"refused_per_ip", s.refused_per_ip},
                 {"accept_errors", s.accept_errors}});
  }
  if (verbose_) {
    fmt::print(stderr,
               "{}: stopped: accepted={} refused_max_conns={} refused_per_ip={} accept_errors={}\n",
               tool_, s.accepted, s.refused_max_conns, s.refused_per_ip, s.accept_errors);
  }
}

void server_log::error(std::string_view what) {
  if (json_) return emit({{"event", "error"}, {"detail", what}});
  fmt::print(stderr, "{}: {}\n", tool_, what);
}

}  // namespace wirekit::net
