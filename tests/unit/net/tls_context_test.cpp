#include <catch2/catch.hpp>
#include <fstream>

#include "stream_support.hpp"
#include "wirekit/net/tls_context.hpp"

using namespace wirekit::net;

TEST_CASE("client verify modes parse", "[net][tls_context]") {
  client_verify v = client_verify::none;
  CHECK(parse_client_verify("required", v));
  CHECK(v == client_verify::required);
  CHECK(parse_client_verify("optional", v));
  CHECK(v == client_verify::optional);
  CHECK(parse_client_verify("none", v));
  CHECK(v == client_verify::none);
  CHECK_FALSE(parse_client_verify("maybe", v));
}

TEST_CASE("tls context names the bad file and keeps its generation on a failed reload",
          "[net][tls_context]") {
  test::temp_dir dir;
  test::make_certificate(dir.file("c.pem"), dir.file("k.pem"));
  test::make_certificate(dir.file("c2.pem"), dir.file("k2.pem"));
  tls_server_config config;
  config.cert_key_files = {{dir.file("missing.pem"), dir.file("k.pem")}};
  CHECK_THROWS_WITH(tls_context(config), Catch::Contains("missing.pem"));

  config.cert_key_files = {{dir.file("c.pem"), dir.file("k2.pem")}};
  CHECK_THROWS_WITH(tls_context(config), Catch::Contains("k2.pem") && Catch::Contains("mismatch"));

  config.cert_key_files = {{dir.file("c.pem"), dir.file("k.pem")}};
  config.tls_min = "1.1";
  CHECK_THROWS(tls_context(config));
  config.tls_min = "1.3";

  tls_context ctx(config);
  const auto first = ctx.current();
  ctx.reload();
  CHECK(ctx.current() != first);  // a new generation; first lives on while held

  const auto second = ctx.current();
  std::ofstream(dir.file("k.pem")) << "garbage";
  CHECK_THROWS(ctx.reload());
  CHECK(ctx.current() == second);
}

TEST_CASE("tls context sends one session ticket by default, as configured, at most 16",
          "[net][tls_context]") {
  test::temp_dir dir;
  test::make_certificate(dir.file("c.pem"), dir.file("k.pem"));
  tls_server_config config;
  config.cert_key_files = {{dir.file("c.pem"), dir.file("k.pem")}};
  CHECK(SSL_CTX_get_num_tickets(tls_generation(config).default_context().native_handle()) == 1);
  config.tickets = 0;
  CHECK(SSL_CTX_get_num_tickets(tls_generation(config).default_context().native_handle()) == 0);
  config.tickets = 17;
  CHECK_THROWS_WITH(tls_generation(config), Catch::Contains("at most 16"));
}
