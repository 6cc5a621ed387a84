// The server's TLS settings, loaded once into OpenSSL contexts and shared by every handshake;
// reload() replaces them (SIGHUP) while live connections keep the ones they started with.
#pragma once

#include "wirekit/net/asio.hpp"  // first: see there

#include <asio/ssl.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace wirekit::net {

inline constexpr std::size_t default_tls_tickets = 1;
inline constexpr std::size_t max_tls_tickets = 16;

enum class client_verify {
  none,      // no client certificate asked for
  optional,  // asked for and verified when sent
  required,  // must be sent and verify
};

struct tls_server_config {
  // Certificate (chain) and key files; the first pair is the default, the others are chosen
  // by SNI when the client's server name matches their certificate.
  std::vector<std::pair<std::string, std::string>> cert_key_files;
  std::string ca_file;  // client certificates are verified against it (else the system store)
  client_verify verify = client_verify::none;
  std::string tls_min = "1.2";    // "1.2" or "1.3"
  std::string ciphers;            // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default
  std::vector<std::string> alpn;  // protocols we accept, in our order of preference
  // TLS 1.3 session tickets sent after each full handshake. Each one costs the server about
  // 6% of a handshake (a session copy, its encoding and encryption); one is enough for a
  // client to resume once. OpenSSL's default is 2.
  std::size_t tickets = default_tls_tickets;
};

// One loaded set of contexts. Kept alive by each connection that handshakes with it.
class tls_generation {
 public:
  explicit tls_generation(const tls_server_config& config);  // throws, naming the file
  tls_generation(const tls_generation&) = delete;            // OpenSSL callbacks hold its address
  tls_generation& operator=(const tls_generation&) = delete;
  asio::ssl::context& default_context() { return *contexts_.front(); }

 private:
  static int on_server_name(SSL* ssl, int* alert, void* arg);
  static int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_len,
                     const unsigned char* in, unsigned in_len, void* arg);

  std::vector<std::unique_ptr<asio::ssl::context>> contexts_;
  std::vector<X509*> certificates_;  // owned by contexts_, for matching server names
  std::vector<unsigned char> alpn_wire_;
};

class tls_context {
 public:
  explicit tls_context(tls_server_config config);  // throws on unreadable or bad files
  // Loads the files again; on failure throws and the current generation stays in use.
  void reload();
  std::shared_ptr<tls_generation> current() const { return current_; }

 private:
  tls_server_config config_;
  std::shared_ptr<tls_generation> current_;
};

// Parses "none" | "optional" | "required".
bool parse_client_verify(const std::string& text, client_verify& out);

}  // namespace wirekit::net
