// The per-connection handler program: its environment (UCSPI names) and its spawning.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>
#include "wirekit/net/asio.hpp"

#include "wirekit/net/exec_stream.hpp"
#include "wirekit/net/stream_listener.hpp"
#include "wirekit/net/tls_peer_info.hpp"

namespace wirekit::net {

// PROTO, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT and, for TLS, SSL_PROTOCOL,
// SSL_CIPHER, SSL_CLIENT_S_DN, SSL_CLIENT_I_DN, SSL_CLIENT_M_SERIAL, SSL_CLIENT_CERT (PEM)
// as "NAME=value"; the client ones only when a client certificate was sent.
std::vector<std::string> handler_environment(const connection_peer& peer, const tls_peer_info* tls);

// Spawns program (a path, found once by find_program) with argv and the connection's
// environment added.
std::unique_ptr<exec_stream> spawn_handler(const asio::any_io_executor& executor,
                                           const std::string& program,
                                           const std::vector<std::string>& argv,
                                           const connection_peer& peer, const tls_peer_info* tls,
                                           std::error_code& ec);

// The executable file name stands for: name itself when it holds a '/', else the first match
// in path (colon-separated; an empty entry is the current directory). Empty when none.
std::string find_program(const std::string& name, std::string_view path);

}  // namespace wirekit::net
