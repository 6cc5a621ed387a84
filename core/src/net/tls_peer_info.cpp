#include "wirekit/net/tls_peer_info.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace wirekit::net {

namespace {

using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string name_text(const X509_NAME* name) {
  bio_ptr bio(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return drain(bio.get());
}

std::string serial_text(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

}  // namespace

tls_peer_info describe_tls_peer(SSL* ssl) {
  tls_peer_info info;
  info.protocol = SSL_get_version(ssl);
  if (const char* c = SSL_get_cipher_name(ssl)) info.cipher = c;
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn) info.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) info.server_name = sni;
  if (X509* cert = SSL_get0_peer_certificate(ssl)) {
    info.client_subject = name_text(X509_get_subject_name(cert));
    info.client_issuer = name_text(X509_get_issuer_name(cert));
    info.client_serial = serial_text(cert);
    bio_ptr bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(bio.get(), cert);
    info.client_cert_pem = drain(bio.get());
  }
  return info;
}

}  // namespace wirekit::net
