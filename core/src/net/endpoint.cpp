#include "wirekit/net/endpoint.hpp"

#include <charconv>

namespace wirekit::net {

namespace {

std::optional<endpoint> fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

// HOST:PORT with HOST possibly "[v6]"; fills e.host and e.port.
bool parse_host_port(std::string_view text, endpoint& e, std::string* why) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail(why, "missing ']' after IPv6 host"), false;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.starts_with(':')) return fail(why, "missing ':PORT' after ']'"), false;
    port = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(why, "missing ':PORT'"), false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(why, "an IPv6 host must be written in brackets, e.g. [::1]:5000"), false;
    }
  }
  if (host.empty()) return fail(why, "missing host"), false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size()) {
    return fail(why, "port '" + std::string(port) + "' is not a number"), false;
  }
  if (value > 65535) return fail(why, "port " + std::string(port) + " is out of range"), false;
  e.host = std::string(host);
  e.port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

bool endpoint::is_stream() const {
  return kind != endpoint_kind::udp && kind != endpoint_kind::unix_datagram;
}

bool endpoint::is_datagram() const {
  return !is_stream();
}

std::optional<endpoint> parse_endpoint(std::string_view text, std::string* why) {
  endpoint e;
  if (text == "-") return e;

  struct scheme {
    std::string_view prefix;
    endpoint_kind kind;
  };
  static constexpr scheme host_port_schemes[] = {{"tcp://", endpoint_kind::tcp},
                                                 {"tls://", endpoint_kind::tls},
                                                 {"udp://", endpoint_kind::udp}};
  for (const auto& s : host_port_schemes) {
    if (!text.starts_with(s.prefix)) continue;
    e.kind = s.kind;
    if (!parse_host_port(text.substr(s.prefix.size()), e, why)) return std::nullopt;
    return e;
  }

  static constexpr scheme path_schemes[] = {{"unix:", endpoint_kind::unix_stream},
                                            {"uxd:", endpoint_kind::unix_datagram}};
  for (const auto& s : path_schemes) {
    if (!text.starts_with(s.prefix)) continue;
    e.kind = s.kind;
    e.path = std::string(text.substr(s.prefix.size()));
    if (e.path.empty()) return fail(why, "missing PATH");
    // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
    if (e.path.size() > 107) return fail(why, "socket path is longer than 107 bytes");
    return e;
  }

  if (text.starts_with("exec:")) {
    e.kind = endpoint_kind::exec;
    e.command = std::string(text.substr(5));
    if (e.command.empty()) return fail(why, "missing COMMAND");
    return e;
  }
  return fail(why, "unknown endpoint form");
}

std::string to_string(const endpoint& e) {
  const auto host_port = [&] {
    const bool v6 = e.host.find(':') != std::string::npos;
    return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
  };
  switch (e.kind) {
    case endpoint_kind::stdio:
      return "-";
    case endpoint_kind::tcp:
      return "tcp://" + host_port();
    case endpoint_kind::tls:
      return "tls://" + host_port();
    case endpoint_kind::udp:
      return "udp://" + host_port();
    case endpoint_kind::unix_stream:
      return "unix:" + e.path;
    case endpoint_kind::unix_datagram:
      return "uxd:" + e.path;
    case endpoint_kind::exec:
      return "exec:" + e.command;
  }
  return "-";
}

}  // namespace wirekit::net
