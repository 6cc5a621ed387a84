#include <catch2/catch.hpp>

#include "wirekit/net/endpoint.hpp"

using namespace wirekit::net;

TEST_CASE("endpoint parses every form of DESIGN.md", "[net][endpoint]") {
  CHECK(parse_endpoint("-")->kind == endpoint_kind::stdio);

  const auto tcp = parse_endpoint("tcp://localhost:56000");
  REQUIRE(tcp);
  CHECK(tcp->kind == endpoint_kind::tcp);
  CHECK(tcp->host == "localhost");
  CHECK(tcp->port == 56000);

  const auto tls = parse_endpoint("tls://127.0.0.1:443");
  REQUIRE(tls);
  CHECK(tls->kind == endpoint_kind::tls);

  const auto udp6 = parse_endpoint("udp://[::1]:5000");
  REQUIRE(udp6);
  CHECK(udp6->kind == endpoint_kind::udp);
  CHECK(udp6->host == "::1");
  CHECK(udp6->port == 5000);
  CHECK(udp6->is_datagram());

  const auto ux = parse_endpoint("unix:/tmp/a.sock");
  REQUIRE(ux);
  CHECK(ux->kind == endpoint_kind::unix_stream);
  CHECK(ux->path == "/tmp/a.sock");

  const auto uxd = parse_endpoint("uxd:a.sock");
  REQUIRE(uxd);
  CHECK(uxd->kind == endpoint_kind::unix_datagram);

  const auto ex = parse_endpoint("exec:python3 server.py --x");
  REQUIRE(ex);
  CHECK(ex->kind == endpoint_kind::exec);
  CHECK(ex->command == "python3 server.py --x");
  CHECK(ex->is_stream());
}

TEST_CASE("endpoint round-trips through its text form", "[net][endpoint]") {
  for (const char* text :
       {"-", "tcp://h:1", "tls://[::1]:2", "udp://127.0.0.1:0", "unix:/x", "uxd:y", "exec:cat"}) {
    const auto e = parse_endpoint(text);
    REQUIRE(e);
    CHECK(to_string(*e) == text);
  }
}

TEST_CASE("endpoint rejects bad input with a reason", "[net][endpoint]") {
  std::string why;
  CHECK_FALSE(parse_endpoint("http://x:1", &why));
  CHECK(why == "unknown endpoint form");
  CHECK_FALSE(parse_endpoint("tcp://x", &why));
  CHECK(why == "missing ':PORT'");
  CHECK_FALSE(parse_endpoint("tcp://x:70000", &why));
  CHECK(why == "port 70000 is out of range");
  CHECK_FALSE(parse_endpoint("udp://::1:5", &why));
  CHECK(why.find("brackets") != std::string::npos);
  CHECK_FALSE(parse_endpoint("udp://[::1:5", &why));
  CHECK_FALSE(parse_endpoint("tcp://:5", &why));
  CHECK(why == "missing host");
  CHECK_FALSE(parse_endpoint("unix:", &why));
  CHECK_FALSE(parse_endpoint("exec:", &why));
  CHECK_FALSE(parse_endpoint("tcp://h:5x", &why));
  CHECK_FALSE(parse_endpoint(std::string("unix:") + std::string(200, 'a'), &why));
}
