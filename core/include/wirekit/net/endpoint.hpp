// One endpoint syntax for every tool (DESIGN.md): parsing and printing, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirekit::net {

enum class endpoint_kind {
  stdio,          // "-"
  tcp,            // tcp://HOST:PORT
  tls,            // tls://HOST:PORT
  unix_stream,    // unix:PATH
  exec,           // exec:COMMAND (run by /bin/sh -c)
  udp,            // udp://HOST:PORT
  unix_datagram,  // uxd:PATH
};

struct endpoint {
  endpoint_kind kind = endpoint_kind::stdio;
  std::string host;  // tcp, tls, udp: without IPv6 brackets
  std::uint16_t port = 0;
  std::string path;     // unix, uxd
  std::string command;  // exec

  bool is_stream() const;
  bool is_datagram() const;
  bool operator==(const endpoint&) const = default;
};

// The accepted forms, for usage messages.
inline constexpr std::string_view endpoint_forms =
    "-, tcp://HOST:PORT, tls://HOST:PORT, unix:PATH, exec:COMMAND, udp://HOST:PORT, uxd:PATH "
    "(IPv6 hosts in brackets: udp://[::1]:5000)";

// nullopt with *why set (one phrase, e.g. "port 70000 is out of range") on bad input.
std::optional<endpoint> parse_endpoint(std::string_view text, std::string* why = nullptr);

// The canonical text form; parse_endpoint(to_string(e)) == e.
std::string to_string(const endpoint& e);

}  // namespace wirekit::net
