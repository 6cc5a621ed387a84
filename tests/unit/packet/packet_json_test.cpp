#include <catch2/catch.hpp>

#include "fields.hpp"
#include "support/vectors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/packet_json.hpp"

using namespace wirekit;
using json = nlohmann::ordered_json;

TEST_CASE("packets as JSON survive a round trip for every packet vector",
          "[packet][json][vectors]") {
  std::size_t checked = 0;
  for (const auto& v : wirekit::test::load_vectors("packet/packets.jsonl")) {
    if (v["kind"] != "packet") continue;
    const auto wire = wirekit::test::hex_bytes(v["hex"]);
    const auto d = packet::decode(wire);
    REQUIRE(d.status == packet::decode_status::complete);
    const auto j = packet::to_json(d.value);
    wirekit::test::check_fields(d.value, v["fields"]);
    CHECK(j["tag"] == v["fields"]["tag"]);
    CHECK(j["payload_hex"] == v["fields"]["payload_hex"]);
    // The vector's own fields, and our JSON of the packet, both encode to the vector's bytes.
    json fields = v["fields"];
    const auto from_vector = packet::encode_json(fields);
    REQUIRE(from_vector.wire);
    CHECK(to_hex(*from_vector.wire) == v["hex"]);
    const auto from_ours = packet::encode_json(j);
    REQUIRE(from_ours.wire);
    CHECK(to_hex(*from_ours.wire) == v["hex"]);
    ++checked;
  }
  CHECK(checked == 32);
}

TEST_CASE("encode_json takes shortcuts and refuses bad fields with a reason", "[packet][json]") {
  CHECK(to_hex(*packet::encode_json(json::parse(R"({"control":"EOF"})")).wire) == "03000200");
  CHECK(to_hex(*packet::encode_json(json::parse(R"({"dir":"c2s","hex":"020501"})")).wire) ==
        "020501");
  CHECK(to_hex(*packet::encode_json(json::parse(R"({"decoded":{"tag":2,"ok":true,"payload":"A"}})"))
                    .wire) == "03020441");
  CHECK(to_hex(*packet::encode_json(
                    json::parse(R"({"tag":3,"rq_type":1,"flags":85,"payload_hex":"0203"})"))
                    .wire) == "06038256020203");
  CHECK(packet::encode_json(json::parse(R"({"tag":-1})")).error ==
        "\"tag\" must be an unsigned integer");
  CHECK(packet::encode_json(json::parse(R"({"payload_hex":"zz"})")).error ==
        "\"payload_hex\" is not hex");
  CHECK(packet::encode_json(json::parse(R"([1])")).error == "not a JSON object");
  CHECK(packet::encode_json(json::parse(R"({"payload":"abcdef"})"), 4).error ==
        "packet longer than the maximum (--max-packet)");
}

TEST_CASE("is_utf8 accepts UTF-8 and refuses overlong, surrogate and cut sequences",
          "[packet][json]") {
  CHECK(packet::is_utf8(as_bytes("h\xc3\xa9llo \xf0\x9f\x98\x80")));
  CHECK_FALSE(packet::is_utf8(as_bytes("\xc0\xaf")));
  CHECK_FALSE(packet::is_utf8(as_bytes("\xed\xa0\x80")));
  CHECK_FALSE(packet::is_utf8(as_bytes("\xe2\x82")));
  CHECK_FALSE(packet::is_utf8(as_bytes("\xff")));
}
