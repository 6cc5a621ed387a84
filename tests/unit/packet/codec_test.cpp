#include <catch2/catch.hpp>

#include "fields.hpp"
#include "support/vectors.hpp"
#include "wirekit/common/bsuint.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"

using namespace wirekit;
using wirekit::test::json;

namespace {

// Where a vector says "error", the reference hit EOF inside the packet. A stream decoder
// must say need_more if the bytes end early, bad if the whole body is there but wrong.
packet::decode_status expected_failure(const bytes& wire) {
  const auto len = bsuint::decode(wire);
  if (len.status == bsuint::decode_status::complete && len.consumed + len.value <= wire.size())
    return packet::decode_status::bad;
  return packet::decode_status::need_more;
}

void check_bsuint_line(const json& v, const bytes& wire) {
  // A BSUInt line also checks the codec's use of it: the value as a tag survives a packet
  // round trip and is written with the vector's bytes.
  const std::string kind = v["kind"];
  if (kind == "bsuint" && (v["value"].is_number_unsigned() || v["value"].is_number_integer())) {
    const auto value = v["value"].get<std::uint64_t>();
    const auto p = packet::make_response(0, value, true, 0, {});
    bytes out;
    REQUIRE(packet::encode(p, out) == packet::encode_status::ok);
    const auto body = bsuint::decode(out);
    REQUIRE(body.status == bsuint::decode_status::complete);
    CHECK(to_hex(byte_view(out).subspan(body.consumed, wire.size())) == v["hex"]);
    const auto d = packet::decode(out);
    REQUIRE(d.status == packet::decode_status::complete);
    CHECK(d.value.tag == value);
  } else if (kind == "bsuint") {
    // Beyond 64 bits: a tag that large makes the packet unreadable, not a wrapped value.
    bytes body = wire;
    body.push_back(std::byte{0x04});
    bytes framed = bsuint::encode(body.size());
    append(framed, body);
    const auto d = packet::decode(framed);
    CHECK(d.status == packet::decode_status::bad);
    CHECK(d.error == packet::decode_error::bad_field);
  } else if (v.contains("error")) {
    // An unfinished BSUInt as a length prefix: the stream decoder waits for more.
    CHECK(packet::decode(wire).status == packet::decode_status::need_more);
  } else {
    // Non-minimal forms as a length prefix are accepted too.
    const auto value = v["value"].get<std::uint64_t>();
    const auto consumed = v["consumed"].get<std::size_t>();
    bytes framed(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(consumed));
    // The body: tag 2, an ok response, then filler payload; a short body lacks fields.
    bytes body;
    if (value >= 1) body.push_back(std::byte{0x02});
    if (value >= 2) body.push_back(std::byte{0x04});
    body.resize(value, std::byte{0x7a});
    append(framed, body);
    const auto d = packet::decode(framed);
    if (value == 0) {
      CHECK(d.error == packet::decode_error::missing_tag);
    } else if (value == 1) {
      CHECK(d.error == packet::decode_error::missing_flags);
    } else {
      REQUIRE(d.status == packet::decode_status::complete);
      CHECK(d.consumed == consumed + value);
      CHECK(d.value.payload.size() == value - 2);
    }
  }
}

}  // namespace

TEST_CASE("packet codec passes every line of packet/packets.jsonl", "[packet][codec][vectors]") {
  const auto vectors = wirekit::test::load_vectors("packet/packets.jsonl");
  std::size_t checked = 0;
  for (const auto& v : vectors) {
    const std::string kind = v["kind"];
    const auto wire = wirekit::test::hex_bytes(v["hex"]);
    DYNAMIC_SECTION(v["name"].get<std::string>()) {
      if (kind == "packet") {
        bytes payload;
        const auto p = wirekit::test::packet_from_fields(v["fields"], payload);
        bytes out;
        REQUIRE(packet::encode(p, out) == packet::encode_status::ok);
        CHECK(to_hex(out) == v["hex"]);
        CHECK(packet::encoded_size(p) == wire.size());
        const auto d = packet::decode(wire);
        REQUIRE(d.status == packet::decode_status::complete);
        CHECK(d.consumed == wire.size());
        wirekit::test::check_fields(d.value, v["fields"]);
      } else if (kind == "packet_decode") {
        const auto d = packet::decode(wire);
        if (v.contains("error")) {
          CHECK(d.status == expected_failure(wire));
        } else {
          REQUIRE(d.status == packet::decode_status::complete);
          CHECK(d.consumed == v["consumed"].get<std::size_t>());
          wirekit::test::check_fields(d.value, v["accepted"]);
          // Re-encoding gives the minimal form, which decodes to the same fields.
          bytes out;
          REQUIRE(packet::encode(d.value, out) == packet::encode_status::ok);
          const auto again = packet::decode(out);
          REQUIRE(again.status == packet::decode_status::complete);
          wirekit::test::check_fields(again.value, v["accepted"]);
          CHECK(out.size() <= d.consumed);
        }
      } else {
        REQUIRE((kind == "bsuint" || kind == "bsuint_decode"));
        check_bsuint_line(v, wire);
      }
    }
    ++checked;
  }
  CHECK(checked == vectors.size());
  CHECK(checked == 89);
}

TEST_CASE("packet decoder needs every byte of a packet before it completes", "[packet][codec]") {
  const auto wire = wirekit::test::hex_bytes("088148070706616263");
  for (std::size_t n = 0; n < wire.size(); ++n) {
    CHECK(packet::decode(byte_view(wire).first(n)).status == packet::decode_status::need_more);
  }
  CHECK(packet::decode(wire).status == packet::decode_status::complete);
}

TEST_CASE("packet decoder refuses a length above the maximum before the body arrives",
          "[packet][codec]") {
  bytes wire = bsuint::encode(1001);
  const auto d = packet::decode(wire, 1000);
  CHECK(d.status == packet::decode_status::bad);
  CHECK(d.error == packet::decode_error::packet_too_large);
  CHECK(packet::decode(wire, 1001).status == packet::decode_status::need_more);
  CHECK(packet::decode(bsuint::encode(UINT64_MAX)).error == packet::decode_error::packet_too_large);
}

TEST_CASE("packet decoder refuses length prefixes beyond 64 bits", "[packet][codec]") {
  CHECK(packet::decode(wirekit::test::hex_bytes("82808080808080808000")).error ==
        packet::decode_error::bad_length);
  const bytes endless(32, std::byte{0x80});
  CHECK(packet::decode(endless).error == packet::decode_error::bad_length);
}

TEST_CASE("packet encoder refuses flags that do not fit the wire flags word", "[packet][codec]") {
  bytes out;
  auto rq = packet::make_request(0, 2, 0, packet::max_request_flags, {});
  CHECK(packet::encode(rq, out) == packet::encode_status::ok);
  rq.flags = packet::max_request_flags + 1;
  out.clear();
  CHECK(packet::encode(rq, out) == packet::encode_status::flags_too_large);
  CHECK(out.empty());
  auto rs = packet::make_response(0, 2, true, packet::max_response_flags, {});
  CHECK(packet::encode(rs, out) == packet::encode_status::ok);
  const auto d = packet::decode(out);
  REQUIRE(d.status == packet::decode_status::complete);
  CHECK(d.value.flags == packet::max_response_flags);
  CHECK(d.value.ok);
  rs.flags = packet::max_response_flags + 1;
  CHECK(packet::encode(rs, out) == packet::encode_status::flags_too_large);
}

TEST_CASE("packet encoder refuses a body longer than the maximum", "[packet][codec]") {
  const bytes payload(100, std::byte{1});
  bytes out;
  const auto p = packet::make_request(0, 2, 0, 0, payload);
  CHECK(packet::encode(p, out, 50) == packet::encode_status::packet_too_large);
  CHECK(packet::encode(p, out, 103) == packet::encode_status::ok);
}
