// What a finished TLS handshake says about the connection: for log lines and for the SSL_*
// variables handlers get.
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace wirekit::net {

struct tls_peer_info {
  std::string protocol;        // "TLSv1.3"
  std::string cipher;          // "TLS_AES_256_GCM_SHA384"
  std::string alpn;            // the negotiated protocol, empty if none
  std::string server_name;     // SNI sent by the client
  std::string client_subject;  // RFC 2253, empty without a client certificate
  std::string client_issuer;
  std::string client_serial;  // upper-case hex
  std::string client_cert_pem;
};

tls_peer_info describe_tls_peer(SSL* ssl);

}  // namespace wirekit::net
