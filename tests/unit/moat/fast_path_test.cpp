// The stream fast paths give exactly what the general paths give: JSON written directly vs
// nlohmann's dump, JSON read directly vs nlohmann's parser, flat messages decoded without
// libcbor vs the same bytes through the general decoder's rules.
#include <catch2/catch.hpp>

#include "support/vectors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/moat/cbor_decoder.hpp"
#include "wirekit/moat/cbor_encode.hpp"
#include "wirekit/moat/json_mapping.hpp"

using namespace wirekit;
using namespace wirekit::moat;
using wirekit::test::hex_bytes;
using wirekit::test::load_vectors;

namespace {

std::optional<value> slow_parse(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return from_json(j);
}

}  // namespace

TEST_CASE("append_json writes what to_json().dump() writes, for every vector value",
          "[moat][json]") {
  const auto lines = load_vectors("moat/messages.jsonl");
  std::size_t checked = 0;
  for (const auto& line : lines) {
    if (!line.contains("value")) continue;
    const auto v = from_json(json::parse(line["value"].dump()));
    if (!v) continue;
    std::string direct;
    append_json(direct, *v);
    INFO(line["name"].get<std::string>());
    CHECK(direct == to_json(*v).dump());
    // and inside a message-shaped array, next to other values
    const value wrapped = value::array({value::integer(-3), *v, value::text("x")});
    std::string w;
    append_json(w, wrapped);
    CHECK(w == to_json(wrapped).dump());
    ++checked;
  }
  CHECK(checked > 50);
}

TEST_CASE("append_json on the edges of the direct cases", "[moat][json]") {
  const std::vector<value> cases{
      value::integer(0),
      value::integer(-1),
      value::integer(std::numeric_limits<std::int64_t>::min()),
      value::uinteger(std::numeric_limits<std::uint64_t>::max()),
      value::cbor_integer(true, std::numeric_limits<std::uint64_t>::max()),  // -2^64: $bigint
      value::text(""),
      value::text("a\"b"),
      value::text("back\\slash"),
      value::text("tab\there"),
      value::text("caf\xc3\xa9"),
      value::text("\x7f"),
      value::boolean(true),
      value::null(),
      value::undefined(),
      value::floating(1.5),
      value::array(),
      value::array({value::array({value::integer(1)}), value::map()}),
      value::map({{value::text("a"), value::integer(1)}}),
  };
  for (const auto& v : cases) {
    std::string direct;
    append_json(direct, v);
    CHECK(direct == to_json(v).dump());
  }
}

TEST_CASE("parse_json_value reads what nlohmann and from_json read", "[moat][json]") {
  const std::vector<std::string> texts{"0",
                                       "-0",
                                       "01",
                                       "7",
                                       "-7",
                                       " 42 ",
                                       "\t-42\r",
                                       "123456789012345678",
                                       "-123456789012345678",
                                       "1234567890123456789",
                                       "9223372036854775807",
                                       "-9223372036854775808",
                                       "18446744073709551615",
                                       "18446744073709551616",
                                       "1.5",
                                       "1e3",
                                       "-",
                                       "+1",
                                       "1x",
                                       "\"\"",
                                       "\"plain\"",
                                       "\"a\\\"b\"",
                                       "\"caf\xc3\xa9\"",
                                       "\"\\u0041\"",
                                       "\"unterminated",
                                       "true",
                                       "false",
                                       "null",
                                       "nul",
                                       "True",
                                       "[1,\"two\",null]",
                                       "{\"$bytes\":\"00ff\"}",
                                       "{\"$bytes\":\"zz\"}",
                                       "",
                                       "   "};
  for (const auto& t : texts) {
    INFO(t);
    const auto fast = parse_json_value(t);
    const auto slow = slow_parse(t);
    REQUIRE(fast.has_value() == slow.has_value());
    if (fast) CHECK(*fast == *slow);
  }
  // And every vector's JSON value, as text.
  std::size_t checked = 0;
  for (const auto& line : load_vectors("moat/messages.jsonl")) {
    if (!line.contains("value")) continue;
    const std::string t = line["value"].dump();
    const auto fast = parse_json_value(t);
    const auto slow = slow_parse(t);
    REQUIRE(fast.has_value() == slow.has_value());
    if (fast) CHECK(*fast == *slow);
    ++checked;
  }
  CHECK(checked > 50);
}

TEST_CASE("flat messages decode as the general rules say", "[moat][cbor]") {
  SECTION("round trip of message shapes, whole and byte by byte") {
    const std::vector<value> msgs{
        value::array({value::integer(-3), value::integer(0)}),
        value::array({value::integer(-3), value::uinteger(4294967296)}),
        value::array({value::integer(1), value::text("count"), value::integer(5), value::map()}),
        value::array({value::integer(-4), value::null(), value::boolean(false), value::undefined(),
                      value::array()}),
        value::array({value::integer(0), value::text(std::string(300, 'x'))}),
        value::array({value::integer(0), value::floating(1.5)}),  // general path
        value::array(),
    };
    for (const auto& m : msgs) {
      const bytes wire = encode(m);
      value out;
      const auto r = decode_one(wire, out);
      REQUIRE(r.status == decode_status::complete);
      CHECK(r.consumed == wire.size());
      CHECK(out == m);
      cbor_decoder d;
      std::size_t complete = 0;
      for (std::size_t i = 0; i < wire.size(); ++i) {
        d.feed(byte_view(wire).subspan(i, 1));
        value v;
        const auto step = d.next(v);
        if (step.status == decode_status::complete) {
          ++complete;
          CHECK(v == m);
        } else {
          CHECK(step.status == decode_status::need_more);
        }
      }
      CHECK(complete == 1);
    }
  }
  SECTION("a non-shortest integer head is read as its value") {
    value out;
    REQUIRE(decode_one(hex_bytes("82001805"), out).status == decode_status::complete);
    CHECK(out == value::array({value::integer(0), value::integer(5)}));
  }
  SECTION("invalid UTF-8 in a flat message skips that item only") {
    cbor_decoder d;
    d.feed(
        hex_bytes("822261ff"
                  "822200"));
    value v;
    const auto r = d.next(v);
    CHECK(r.status == decode_status::bad);
    CHECK(r.error == decode_error::invalid_utf8);
    CHECK(r.consumed == 4);
    REQUIRE(d.next(v).status == decode_status::complete);
    CHECK(v == value::array({value::integer(-3), value::integer(0)}));
  }
  SECTION("the item limit holds for flat messages") {
    decoder_limits small;
    small.max_item_bytes = 8;
    cbor_decoder d(small);
    d.feed(
        hex_bytes("8200"
                  "6a"
                  "30313233343536373839"));  // [0, "0123456789"]: 13 bytes
    value v;
    const auto r = d.next(v);
    CHECK(r.status == decode_status::bad);
    CHECK(r.error == decode_error::too_large);
    CHECK(d.failed());
  }
  SECTION("a reserved head inside a flat message is malformed") {
    value out;
    const auto r = decode_one(hex_bytes("82001c"), out);
    CHECK(r.status == decode_status::bad);
    CHECK(r.error == decode_error::malformed);
  }
}
