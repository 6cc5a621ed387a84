#include <catch2/catch.hpp>

#include "wirekit/common/hex.hpp"

using namespace wirekit;

TEST_CASE("hex round-trips bytes in lowercase", "[common][hex]") {
  const bytes data{std::byte{0x00}, std::byte{0x7f}, std::byte{0xab}, std::byte{0xff}};
  CHECK(to_hex(data) == "007fabff");
  CHECK(from_hex("007fabff") == data);
  CHECK(from_hex("007FABFF") == data);
  CHECK(to_hex({}) == "");
}

TEST_CASE("hex rejects odd lengths and non-hex characters", "[common][hex]") {
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
  CHECK_FALSE(from_hex("0g").has_value());
  CHECK(from_hex("")->empty());
}
