#include <catch2/catch.hpp>

#include "wirekit/memo/display.hpp"

using namespace wirekit;
using namespace wirekit::memo;

TEST_CASE("UTF-8 check is strict like Python's decode", "[memo][display]") {
  CHECK(is_utf8(as_bytes("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x8e\x89")));
  CHECK(is_utf8(as_bytes("")));
  CHECK_FALSE(is_utf8(as_bytes("\xff")));
  CHECK_FALSE(is_utf8(as_bytes("\xc3")));              // cut short
  CHECK_FALSE(is_utf8(as_bytes("\xc0\xaf")));          // overlong
  CHECK_FALSE(is_utf8(as_bytes("\xed\xa0\x80")));      // surrogate
  CHECK_FALSE(is_utf8(as_bytes("\xf4\x90\x80\x80")));  // above U+10FFFF
}

TEST_CASE("standard base64 with padding", "[memo][display]") {
  CHECK(to_base64(as_bytes("")) == "");
  CHECK(to_base64(as_bytes("f")) == "Zg==");
  CHECK(to_base64(as_bytes("fo")) == "Zm8=");
  CHECK(to_base64(as_bytes("foo")) == "Zm9v");
  CHECK(to_base64(as_bytes(std::string_view("\x00\xff\xfe", 3))) == "AP/+");
}
