// rend's refusals and clamps beyond what the vectors show.
#include <catch2/catch.hpp>
#include <string>

#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/pick.hpp"
#include "wirekit/memo/rend.hpp"

using namespace wirekit;
using namespace wirekit::memo;

namespace {
const mid_raw mid{};
}

TEST_CASE("rend refuses what it cannot write, with a message", "[memo][rend]") {
  rend_config c;
  SECTION("legacy has no sure codes") {
    c.dia = dialect::legacy;
    c.sure = true;
    const auto r = rend(as_bytes("x"), c, mid);
    CHECK(r.status == rend_status::sure_unsupported);
    CHECK_FALSE(r.message.empty());
  }
  SECTION("a signer needs a vid") {
    seed s{};
    const signing_key key(s);
    c.signer = &key;
    c.vid = "Bshort";
    CHECK(rend(as_bytes("x"), c, mid).status == rend_status::bad_vid);
  }
  SECTION("binary later grams without body room") {
    c.frm = form::binary;
    c.size = 32;  // hio divides by zero here
    const auto r = rend(as_bytes(std::string(20, 'x')), c, mid);
    CHECK(r.status == rend_status::size_too_small);
    CHECK_THAT(r.message, Catch::Contains("gram size 32"));
    // A memo that fits the zeroth gram still goes.
    CHECK(rend(as_bytes("tiny"), c, mid).grams.size() == 1);
  }
  SECTION("more bytes than the gram count can carry") {
    c.size = 1;  // clamped to 33: one body byte per gram
    CHECK(effective_size(c) == 33);
    const bytes big(max_gram_count + 1, std::byte{'x'});
    const auto r = rend(big, c, mid);
    CHECK(r.status == rend_status::memo_too_large);
    CHECK(r.grams.empty());
  }
}

TEST_CASE("gram sizes: minimum clamp everywhere, maximum only in legacy", "[memo][rend]") {
  rend_config c;
  c.size = 70000;
  CHECK(effective_size(c) == 70000);
  c.dia = dialect::legacy;
  CHECK(effective_size(c) == 65535);
  c.size = 0;
  c.frm = form::binary;
  CHECK(effective_size(c) == 25);
}

TEST_CASE("binary unsigned memos of 1 to 8 bytes carry their true gram count", "[memo][rend]") {
  rend_config c;
  c.frm = form::binary;
  for (std::size_t n = 1; n <= 8; ++n) {
    const auto r = rend(as_bytes(std::string(n, 'x')), c, mid);
    REQUIRE(r.grams.size() == 1);
    const auto p = pick(r.grams[0]);
    REQUIRE(p.ok());
    CHECK(p.fields.count == std::optional<std::uint32_t>(1));
  }
}

TEST_CASE("random MIDs differ and parse back", "[memo][rend]") {
  const auto a = random_mid(), b = random_mid();
  CHECK(a != b);
  CHECK(parse_mid(mid_text("0A", a)) == a);
  CHECK(parse_mid(mid_text("__", a)) == a);
  CHECK_FALSE(parse_mid("0AD5s502N14R8bWw8qyvRW-"));
}

TEST_CASE("grams with bodies left in the memo are the same grams as head then body",
          "[memo][rend]") {
  // Every dialect and form, a memo of many grams and one of a single gram, several sizes.
  seed s{};
  const signing_key key(s);
  bytes memo(5000);
  for (std::size_t i = 0; i < memo.size(); ++i)
    memo[i] = std::byte(i * 13);
  for (const auto dia : {dialect::d1aa, dialect::baa, dialect::legacy}) {
    for (const auto frm : {form::text, form::binary}) {
      for (const std::size_t size : {std::size_t{200}, std::size_t{1240}}) {
        for (const std::size_t length : {std::size_t{1}, std::size_t{100}, memo.size()}) {
          DYNAMIC_SECTION(to_string(dia)
                          << " " << to_string(frm) << " size " << size << " memo " << length) {
            rend_config c;
            c.dia = dia;
            c.frm = frm;
            c.size = size;
            const byte_view m = byte_view(memo).first(length);
            const auto copied = rend(m, c, mid);
            c.bodies_in_memo = true;
            const auto left = rend(m, c, mid);
            REQUIRE(copied.status == rend_status::ok);
            REQUIRE(left.status == rend_status::ok);
            CHECK(copied.bodies.empty());
            REQUIRE(left.bodies.size() == left.grams.size());
            REQUIRE(left.grams.size() == copied.grams.size());
            std::size_t offset = 0;
            for (std::size_t k = 0; k < left.grams.size(); ++k) {
              // The body is a slice of the memo, in order, not a copy.
              CHECK(left.bodies[k].data() == m.data() + offset);
              offset += left.bodies[k].size();
              bytes whole = left.grams[k];
              whole.insert(whole.end(), left.bodies[k].begin(), left.bodies[k].end());
              CHECK(whole == copied.grams[k]);
            }
            CHECK(offset == length);
          }
        }
      }
    }
  }
  SECTION("signed grams are signed whole: bodies stay in them") {
    rend_config c;
    c.signer = &key;
    c.vid = vid_text('B', key.public_key());
    c.bodies_in_memo = true;
    const auto r = rend(memo, c, mid);
    REQUIRE(r.status == rend_status::ok);
    CHECK(r.bodies.empty());
    c.bodies_in_memo = false;
    CHECK(r.grams == rend(memo, c, mid).grams);
  }
}
