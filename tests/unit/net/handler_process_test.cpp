#include <catch2/catch.hpp>

#include "wirekit/net/handler_process.hpp"

using namespace wirekit::net;

TEST_CASE("handler environment uses the UCSPI names", "[net][handler]") {
  connection_peer peer{"TCP", "192.0.2.7", 40000, "127.0.0.1", 56000};
  const auto plain = handler_environment(peer, nullptr);
  CHECK(plain == std::vector<std::string>{"PROTO=TCP", "TCPREMOTEIP=192.0.2.7",
                                          "TCPREMOTEPORT=40000", "TCPLOCALIP=127.0.0.1",
                                          "TCPLOCALPORT=56000"});

  tls_peer_info tls;
  tls.protocol = "TLSv1.3";
  tls.cipher = "TLS_AES_128_GCM_SHA256";
  auto env = handler_environment(peer, &tls);
  CHECK(env.size() == 7);
  CHECK(env[5] == "SSL_PROTOCOL=TLSv1.3");
  CHECK(env[6] == "SSL_CIPHER=TLS_AES_128_GCM_SHA256");

  tls.client_subject = "CN=alice";
  tls.client_issuer = "CN=ca";
  tls.client_serial = "1234AB";
  tls.client_cert_pem = "-----BEGIN CERTIFICATE-----\n...";
  env = handler_environment(peer, &tls);
  REQUIRE(env.size() == 11);
  CHECK(env[7] == "SSL_CLIENT_S_DN=CN=alice");
  CHECK(env[8] == "SSL_CLIENT_I_DN=CN=ca");
  CHECK(env[9] == "SSL_CLIENT_M_SERIAL=1234AB");
  CHECK(env[10] == "SSL_CLIENT_CERT=-----BEGIN CERTIFICATE-----\n...");

  const auto ux = handler_environment(connection_peer{"UNIX", "", 0, "", 0}, nullptr);
  CHECK(ux == std::vector<std::string>{"PROTO=UNIX"});
}

TEST_CASE("find_program searches PATH in order and takes a path as it is", "[net][handler]") {
  CHECK(find_program("sh", "/nonexistent:/bin:/usr/bin") == "/bin/sh");
  CHECK(find_program("sh", "/usr/bin:/bin") == "/usr/bin/sh");
  CHECK(find_program("no-such-program-wk", "/usr/bin:/bin").empty());
  CHECK(find_program("/bin/sh", "") == "/bin/sh");
  CHECK(find_program("/nonexistent/sh", "/bin").empty());
  CHECK(find_program("bin", "/").empty());  // a directory is not a program
  CHECK(find_program("", "/bin").empty());
}
