// The ack body codec and ack grams: round trips, every malformed shape refused with its
// reason, byte-exact examples (the ones in wirekit-memogram(7)).
#include <catch2/catch.hpp>

#include "wirekit/common/hex.hpp"
#include "wirekit/memo/ack.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/pick.hpp"

using namespace wirekit;
using namespace wirekit::memo;

namespace {

bytes hex(std::string_view h) {
  return *from_hex(h);
}

const std::string mid = "0AD5s502N14R8bWw8qyvRW-S";

}  // namespace

TEST_CASE("ack bodies round-trip and say which grams are held", "[memo][ack]") {
  const ack_info a = ack_from_numbers({0, 1, 2, 5, 6, 9});
  CHECK(a.below == 3);
  CHECK_FALSE(a.complete);
  REQUIRE(a.ranges.size() == 2);
  CHECK(a.ranges[0] == std::pair<std::uint32_t, std::uint32_t>{5, 6});
  CHECK(a.ranges[1] == std::pair<std::uint32_t, std::uint32_t>{9, 9});
  const bytes body = encode_ack_body(a);
  CHECK(to_hex(body) == "00000005000006000009000009");
  const auto back = decode_ack_body(body, 3);
  REQUIRE_FALSE(back.error);
  CHECK(back.info == a);
  for (std::uint32_t n : {0u, 1u, 2u, 5u, 6u, 9u})
    CHECK(a.holds(n));
  for (std::uint32_t n : {3u, 4u, 7u, 8u, 10u})
    CHECK_FALSE(a.holds(n));
  const ack_info done = ack_complete(7);
  CHECK(to_hex(encode_ack_body(done)) == "01");
  CHECK(done.holds(6));
}

TEST_CASE("ack bodies keep at most 64 ranges, the lowest", "[memo][ack]") {
  std::vector<std::uint32_t> every_other;
  for (std::uint32_t n = 1; n < 400; n += 2)
    every_other.push_back(n);
  const ack_info a = ack_from_numbers(every_other);
  CHECK(a.below == 0);
  REQUIRE(a.ranges.size() == max_ack_ranges);
  CHECK(a.ranges.back().first == 127);
  const bytes body = encode_ack_body(a);
  CHECK(body.size() == max_ack_body_bytes);
  CHECK_FALSE(decode_ack_body(body, 0).error);
}

TEST_CASE("malformed ack bodies are refused with a reason", "[memo][ack]") {
  CHECK(decode_ack_body({}, 0).error == ack_body_error::empty);
  CHECK(decode_ack_body(hex("0000000100"), 0).error == ack_body_error::ragged);
  bytes many(1 + (max_ack_ranges + 1) * ack_range_bytes);
  CHECK(decode_ack_body(many, 0).error == ack_body_error::too_many);
  CHECK(decode_ack_body(hex("00000005000004"), 0).error == ack_body_error::inverted);
  // A range must start above the neck (that gram is missing) and above the previous range.
  CHECK(decode_ack_body(hex("00000003000004"), 3).error == ack_body_error::out_of_order);
  CHECK(decode_ack_body(hex("00000005000006000006000007"), 0).error ==
        ack_body_error::out_of_order);
  CHECK_FALSE(decode_ack_body(hex("00000004000004"), 3).error);
  // Unknown flag bits are ignored.
  CHECK_FALSE(decode_ack_body(hex("fe"), 0).error);
}

TEST_CASE("ack grams in each dialect and form", "[memo][ack]") {
  const ack_info a = ack_from_numbers({0, 1, 3});
  SECTION("1aa text") {
    const bytes g = rend_ack({dialect::d1aa, form::text, mid}, a);
    CHECK(to_string(byte_view(g).first(32)) == "1AAY0AD5s502N14R8bWw8qyvRW-SAAAC");
    CHECK(to_hex(byte_view(g).subspan(32)) == "00000003000003");
    const auto p = pick(g);
    REQUIRE(p.ok());
    CHECK(p.fields.code->kind == gram_kind::ack);
    CHECK(p.fields.mid == mid);
    CHECK(p.fields.number == 2);
    CHECK(decode_ack_body(p.fields.body, p.fields.number).info == a);
  }
  SECTION("baa binary") {
    const bytes g = rend_ack({dialect::baa, form::binary, mid}, a);
    CHECK(to_hex(g) ==
          "6c0008000002d000f9b39d36375e11f1b5b0f2acaf456f92"
          "00000003000003");
    const auto p = pick(g);
    REQUIRE(p.ok());
    CHECK(p.fields.code->text == "bAAI");
    CHECK(p.fields.mid == mid);
  }
  SECTION("signed, 1aa text and baa binary") {
    seed s{};
    s.fill(std::byte{3});
    const signing_key key(s);
    const std::string vid = vid_text('B', key.public_key());
    for (const auto d : {dialect::d1aa, dialect::baa}) {
      for (const auto f : {form::text, form::binary}) {
        const bytes g = rend_ack({d, f, mid}, ack_complete(4), &key, vid);
        const auto p = pick(g);
        REQUIRE(p.ok());
        CHECK(p.fields.code->is_signed);
        CHECK(p.fields.code->kind == gram_kind::ack);
        CHECK(p.fields.vid == vid);
        CHECK(p.fields.number == 4);
        CHECK(verify(key.public_key(), p.fields.signed_part, *p.fields.sig));
        CHECK(decode_ack_body(p.fields.body, 4).info.complete);
      }
    }
  }
  SECTION("legacy has no ack code") {
    CHECK(rend_ack({dialect::legacy, form::text, mid}, a).empty());
  }
  SECTION("a MID that is not 24 characters makes no ack") {
    CHECK(rend_ack({dialect::d1aa, form::text, "0A"}, a).empty());
  }
}

TEST_CASE("the acks of wirekit-memogram(7)'s example", "[memo][ack]") {
  const auto partial = rend_ack({dialect::d1aa, form::text, mid}, ack_from_numbers({0, 2}));
  CHECK(to_string(byte_view(partial).first(32)) == "1AAY0AD5s502N14R8bWw8qyvRW-SAAAB");
  CHECK(to_hex(byte_view(partial).subspan(32)) == "00000002000002");
  const auto done = rend_ack({dialect::d1aa, form::text, mid}, ack_complete(3));
  CHECK(to_string(done) == "1AAY0AD5s502N14R8bWw8qyvRW-SAAAD\x01");
  CHECK(to_hex(rend_ack({dialect::baa, form::binary, mid}, ack_complete(1))) ==
        "6c0008000001d000f9b39d36375e11f1b5b0f2acaf456f9201");
}
