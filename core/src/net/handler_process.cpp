#include "wirekit/net/handler_process.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

namespace wirekit::net {

std::vector<std::string> handler_environment(const connection_peer& peer,
                                             const tls_peer_info* tls) {
  std::vector<std::string> env;
  env.push_back("PROTO=" + peer.proto);
  if (peer.proto == "TCP") {
    env.push_back("TCPREMOTEIP=" + peer.remote_ip);
    env.push_back(fmt::format("TCPREMOTEPORT={}", peer.remote_port));
    env.push_back("TCPLOCALIP=" + peer.local_ip);
    env.push_back(fmt::format("TCPLOCALPORT={}", peer.local_port));
  }
  if (tls) {
    env.push_back("SSL_PROTOCOL=" + tls->protocol);
    env.push_back("SSL_CIPHER=" + tls->cipher);
    if (!tls->client_cert_pem.empty()) {
      env.push_back("SSL_CLIENT_S_DN=" + tls->client_subject);
      env.push_back("SSL_CLIENT_I_DN=" + tls->client_issuer);
      env.push_back("SSL_CLIENT_M_SERIAL=" + tls->client_serial);
      env.push_back("SSL_CLIENT_CERT=" + tls->client_cert_pem);
    }
  }
  return env;
}

std::unique_ptr<exec_stream> spawn_handler(const asio::any_io_executor& executor,
                                           const std::string& program,
                                           const std::vector<std::string>& argv,
                                           const connection_peer& peer, const tls_peer_info* tls,
                                           std::error_code& ec) {
  const auto child = spawn_child(argv, handler_environment(peer, tls), ec, program);
  if (ec) return nullptr;
  return std::make_unique<exec_stream>(executor, child, "exec:" + argv.front());
}

std::string find_program(const std::string& name, std::string_view path) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  while (true) {
    const auto colon = path.find(':');
    const auto dir = path.substr(0, colon);
    auto candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) return {};
    path.remove_prefix(colon + 1);
  }
}

}  // namespace wirekit::net
