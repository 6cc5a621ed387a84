#include <catch2/catch.hpp>
#include <limits>

#include "support/vectors.hpp"
#include "wirekit/common/bsuint.hpp"
#include "wirekit/common/hex.hpp"

using namespace wirekit;
using wirekit::test::json;

namespace {

bool fits_u64(const json& value) {
  return value.is_number_unsigned() || value.is_number_integer();
}

}  // namespace

TEST_CASE("bsuint passes every bsuint vector of packet/packets.jsonl",
          "[common][bsuint][vectors]") {
  std::size_t checked = 0;
  for (const auto& v : wirekit::test::load_vectors("packet/packets.jsonl")) {
    const std::string kind = v["kind"];
    if (kind != "bsuint" && kind != "bsuint_decode") continue;
    DYNAMIC_SECTION(v["name"].get<std::string>()) {
      const auto wire = wirekit::test::hex_bytes(v["hex"]);
      if (kind == "bsuint") {
        if (fits_u64(v["value"])) {
          const auto value = v["value"].get<std::uint64_t>();
          CHECK(to_hex(bsuint::encode(value)) == v["hex"]);
          CHECK(bsuint::encoded_size(value) == wire.size());
          const auto d = bsuint::decode(wire);
          CHECK(d.status == bsuint::decode_status::complete);
          CHECK(d.value == value);
        } else {
          // Beyond 64 bits: wirekit refuses what the reference reads as a Python int.
          CHECK(bsuint::decode(wire).status == bsuint::decode_status::overflow);
        }
      } else if (v.contains("error")) {
        CHECK(bsuint::decode(wire).status == bsuint::decode_status::need_more);
      } else {
        const auto d = bsuint::decode(wire);
        REQUIRE(d.status == bsuint::decode_status::complete);
        CHECK(d.value == v["value"].get<std::uint64_t>());
        CHECK(d.consumed == v["consumed"].get<std::size_t>());
      }
    }
    ++checked;
  }
  CHECK(checked >= 40);
}

TEST_CASE("bsuint refuses endless leading zero groups", "[common][bsuint]") {
  const bytes run(bsuint::max_decoded_bytes, std::byte{0x80});
  CHECK(bsuint::decode(run).status == bsuint::decode_status::too_long);
  bytes short_run(bsuint::max_decoded_bytes - 1, std::byte{0x80});
  CHECK(bsuint::decode(short_run).status == bsuint::decode_status::need_more);
  short_run.push_back(std::byte{0x05});
  const auto d = bsuint::decode(short_run);
  CHECK(d.status == bsuint::decode_status::complete);
  CHECK(d.value == 5);
}

TEST_CASE("bsuint encodes the largest 64-bit value in 10 bytes", "[common][bsuint]") {
  const auto max = std::numeric_limits<std::uint64_t>::max();
  CHECK(bsuint::encoded_size(max) == bsuint::max_encoded_bytes);
  CHECK(bsuint::decode(bsuint::encode(max)).value == max);
}
