#include <catch2/catch.hpp>

#include "wirekit/common/base64url.hpp"
#include "wirekit/common/hex.hpp"

using namespace wirekit;

TEST_CASE("base64url encodes without padding in the url-safe alphabet", "[common][base64url]") {
  CHECK(base64url::encode(as_bytes("")) == "");
  CHECK(base64url::encode(as_bytes("f")) == "Zg");
  CHECK(base64url::encode(as_bytes("fo")) == "Zm8");
  CHECK(base64url::encode(as_bytes("foo")) == "Zm9v");
  CHECK(base64url::encode(*from_hex("fbff")) == "-_8");
}

TEST_CASE("base64url decodes strictly", "[common][base64url]") {
  CHECK(to_string(*base64url::decode("Zm9v")) == "foo");
  CHECK(to_string(*base64url::decode("Zm8")) == "fo");
  CHECK(to_hex(*base64url::decode("-_8")) == "fbff");
  CHECK_FALSE(base64url::decode("Zm9v=").has_value());  // padding is not base64url here
  CHECK_FALSE(base64url::decode("Zm+v").has_value());   // '+' is standard base64 only
  CHECK_FALSE(base64url::decode("Z").has_value());      // 6 bits cannot hold a byte
  CHECK_FALSE(base64url::decode("Zh").has_value());     // non-zero unused bits
}

TEST_CASE("base64url integers are big-endian digits padded with A", "[common][base64url]") {
  CHECK(base64url::encode_int(1, 4) == "AAAB");
  CHECK(base64url::encode_int(2, 4) == "AAAC");
  CHECK(base64url::encode_int(64, 4) == "AABA");
  CHECK(base64url::encode_int(0, 4) == "AAAA");
  CHECK(base64url::encode_int(16777215, 4) == "____");
  CHECK(base64url::encode_int(16777216, 4) == "BAAAA");  // widens, never truncates
  CHECK(base64url::decode_int("AABA") == 64u);
  CHECK(base64url::decode_int("____") == 16777215u);
  CHECK_FALSE(base64url::decode_int("A!AA").has_value());
  CHECK_FALSE(base64url::decode_int("BAAAAAAAAAAA").has_value());  // 72 bits
}
