// The receiver drops each kind of bad gram with its own reason, counts it, and keeps going.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "wirekit/common/hex.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/receiver.hpp"
#include "wirekit/memo/rend.hpp"

using namespace wirekit;
using namespace wirekit::memo;
using namespace std::chrono_literals;

namespace {

const clock::time_point t0{};

seed test_seed(std::uint8_t fill) {
  seed s{};
  s.fill(std::byte{fill});
  return s;
}

mid_raw test_mid(std::uint8_t fill) {
  mid_raw m{};
  m.fill(std::byte{fill});
  return m;
}

std::vector<bytes> make(std::string_view text, dialect d = dialect::d1aa, std::size_t size = 40,
                        const signing_key* key = nullptr, char vid_code = 'B', std::uint8_t mid = 1,
                        form f = form::text) {
  rend_config c;
  c.dia = d;
  c.frm = f;
  c.size = size;
  c.signer = key;
  if (key) c.vid = vid_text(vid_code, key->public_key());
  auto r = rend(as_bytes(text), c, test_mid(mid));
  REQUIRE(r.status == rend_status::ok);
  return r.grams;
}

drop_reason drop_of(receiver& rx, const bytes& gram) {
  const auto r = rx.on_gram(gram, "src", t0);
  REQUIRE(r.status == gram_status::dropped);
  REQUIRE(r.reason);
  CHECK(rx.stats().dropped[static_cast<std::size_t>(*r.reason)] >= 1);
  return *r.reason;
}

const std::string long_memo = "a memo long enough to need a few grams of forty bytes each";

}  // namespace

TEST_CASE("drops malformed grams with their reason", "[memo][receiver]") {
  receiver rx({});
  const auto grams = make(long_memo);
  SECTION("empty datagram") {
    CHECK(drop_of(rx, {}) == drop_reason::empty);
  }
  SECTION("first byte of no dialect") {
    CHECK(drop_of(rx, to_bytes("XAAQ0AAAAAAAAAAAAAAAAAAAAAAAAAAB")) == drop_reason::unknown_form);
  }
  SECTION("unknown code") {
    bytes g = grams[0];
    g[3] = std::byte{'A'};  // 1AAA
    CHECK(drop_of(rx, g) == drop_reason::unknown_code);
  }
  SECTION("non-ASCII code byte") {
    bytes g = grams[0];
    g[1] = std::byte{0xff};
    CHECK(drop_of(rx, g) == drop_reason::unknown_code);
  }
  SECTION("shorter than its header") {
    CHECK(drop_of(rx, bytes(grams[0].begin(), grams[0].begin() + 20)) == drop_reason::truncated);
  }
  SECTION("count that is not base64") {
    bytes g = grams[0];
    g[4 + 24] = std::byte{'!'};  // 1aa: code, MID, then the count
    CHECK(drop_of(rx, g) == drop_reason::bad_number);
  }
  SECTION("later code claiming gram number 0") {
    bytes g = grams[1];
    for (std::size_t i = 28; i < 32; ++i)
      g[i] = std::byte{'A'};
    CHECK(drop_of(rx, g) == drop_reason::bad_number);
  }
  SECTION("MID that is not base64") {
    bytes g = grams[0];
    g[10] = std::byte{'*'};
    CHECK(drop_of(rx, g) == drop_reason::bad_mid);
  }
  SECTION("ack code nobody asked for") {
    bytes g = grams[0];
    g[3] = std::byte{'Y'};  // 1AAY
    CHECK(drop_of(rx, g) == drop_reason::ack_unexpected);
  }
  SECTION("gram number not below the count") {
    const auto two = make("0123456789", dialect::d1aa, 38);  // zeroth holds 6 bytes: 2 grams
    REQUIRE(two.size() == 2);
    rx.on_gram(two[0], "src", t0);
    bytes g = two[1];
    g[31] = std::byte{'C'};  // number 2 of a 2-gram memo
    CHECK(drop_of(rx, g) == drop_reason::number_beyond_count);
  }
  // After any drop, a good memo still comes through.
  for (const auto& g : make("still alive", dialect::baa, 40, nullptr, 'B', 9))
    rx.on_gram(g, "s", t0);
  const auto m = rx.poll_memo();
  REQUIRE(m);
  CHECK(to_string(m->memo) == "still alive");
}

TEST_CASE("drops grams whose signature cannot be trusted", "[memo][receiver]") {
  const signing_key key(test_seed(7));
  const signing_key other(test_seed(8));
  trust_store trust;
  receiver rx({false, &trust, {}});
  SECTION("authic receiver refuses unsigned codes") {
    receiver authic({true, &trust, {}});
    CHECK(drop_of(authic, make("plain")[0]) == drop_reason::unsigned_refused);
  }
  SECTION("VID with an unknown code") {
    bytes g = make("signed", dialect::baa, 200, &key)[0];
    g[32] = std::byte{'C'};  // baa: code, count, MID, then the VID
    CHECK(drop_of(rx, g) == drop_reason::bad_vid);
  }
  SECTION("signature that is not a 0B primitive") {
    bytes g = make("signed", dialect::baa, 200, &key)[0];
    g[g.size() - 87] = std::byte{'C'};  // 0B -> 0C
    CHECK(drop_of(rx, g) == drop_reason::bad_signature_encoding);
  }
  SECTION("D vid missing from the trust store") {
    CHECK(drop_of(rx, make("signed", dialect::d1aa, 200, &key, 'D')[0]) ==
          drop_reason::unknown_vid);
    trust.add(vid_text('D', key.public_key()), key.public_key());
    CHECK(rx.on_gram(make("signed", dialect::d1aa, 200, &key, 'D', 2)[0], "s", t0).status ==
          gram_status::accepted);
  }
  SECTION("body changed after signing") {
    bytes g = make("signed", dialect::d1aa, 200, &key)[0];
    g[80] ^= std::byte{1};
    CHECK(drop_of(rx, g) == drop_reason::bad_signature);
  }
  SECTION("binary signed gram with a flipped signature byte") {
    bytes g = make("signed", dialect::d1aa, 200, &key, 'B', 1, form::binary)[0];
    g.back() ^= std::byte{1};
    CHECK(drop_of(rx, g) == drop_reason::bad_signature);
  }
  SECTION("unsigned gram for a signed memo") {
    const auto s = make(long_memo, dialect::d1aa, 200, &key);
    const auto u = make(long_memo, dialect::d1aa, 40);  // same MID
    rx.on_gram(s[0], "s", t0);
    CHECK(drop_of(rx, u[1]) == drop_reason::unsigned_in_signed_memo);
  }
  SECTION("signed gram for an unsigned memo") {
    const auto u = make(std::string(300, 'x'), dialect::d1aa, 170);
    const auto s = make(std::string(300, 'x'), dialect::d1aa, 170, &key);
    REQUIRE(s.size() >= 2);
    rx.on_gram(u[0], "s", t0);
    CHECK(drop_of(rx, s[1]) == drop_reason::signed_in_unsigned_memo);
  }
  SECTION("legacy grams of one memo signed by two vids") {
    const auto a = make(long_memo, dialect::legacy, 170, &key);
    const auto b = make(long_memo, dialect::legacy, 170, &other);
    REQUIRE(a.size() >= 2);
    rx.on_gram(a[0], "s", t0);
    CHECK(drop_of(rx, b[1]) == drop_reason::vid_mismatch);
  }
  SECTION("legacy signed grams are verified, unlike in hio v0.7.19") {
    bytes g = make(long_memo, dialect::legacy, 170, &key)[0];
    g[100] ^= std::byte{1};
    CHECK(drop_of(rx, g) == drop_reason::bad_signature);
  }
}

TEST_CASE("holds a signed later gram until its zeroth gram and verifies it then",
          "[memo][receiver]") {
  const signing_key key(test_seed(7));
  const signing_key forger(test_seed(9));
  receiver rx({});
  const auto grams = make(std::string(200, 's'), dialect::baa, 220, &key);
  REQUIRE(grams.size() == 3);
  const auto forged = make(std::string(200, 'f'), dialect::baa, 220, &forger);
  CHECK(rx.on_gram(forged[2], "s", t0).status == gram_status::held);  // same MID, wrong key
  CHECK(rx.on_gram(grams[2], "s", t0).status == gram_status::held);
  CHECK(rx.on_gram(grams[2], "s", t0).status == gram_status::duplicate);
  CHECK(rx.on_gram(grams[1], "s", t0).status == gram_status::held);
  CHECK_FALSE(rx.poll_memo());
  const auto r = rx.on_gram(grams[0], "s", t0);
  CHECK(r.status == gram_status::accepted);
  CHECK(r.completed);
  const auto m = rx.poll_memo();
  REQUIRE(m);
  CHECK(to_string(m->memo) == std::string(200, 's'));
  CHECK(m->vid == vid_text('B', key.public_key()));
  CHECK(rx.stats().dropped[static_cast<std::size_t>(drop_reason::bad_signature)] == 1);
  const auto e = rx.poll_event();
  REQUIRE(e);
  REQUIRE(std::holds_alternative<late_drop>(*e));
  CHECK(std::get<late_drop>(*e).reason == drop_reason::bad_signature);
}

TEST_CASE("first zeroth gram wins and late duplicates of a completed memo are ignored",
          "[memo][receiver]") {
  receiver rx({});
  const auto grams = make(long_memo);
  for (const auto& g : grams)
    rx.on_gram(g, "first", t0);
  const auto m = rx.poll_memo();
  REQUIRE(m);
  CHECK(m->source == "first");
  CHECK(rx.on_gram(grams[1], "late", t0).status == gram_status::duplicate);
  CHECK(rx.pending_mids().empty());
  CHECK(rx.stats().completed == 1);
}

TEST_CASE("a zeroth gram with count 0 is an empty memo, as in hio", "[memo][receiver]") {
  receiver rx({});
  bytes g = make("Hello", dialect::baa, 65535, nullptr, 'B', 1, form::binary)[0];
  g[5] = std::byte{0};  // binary count 1 -> 0
  CHECK(rx.on_gram(g, "s", t0).completed);
  const auto m = rx.poll_memo();
  REQUIRE(m);
  CHECK(m->memo.empty());
}

TEST_CASE("count_drop counts drops the transport finds", "[memo][receiver]") {
  receiver rx({});
  rx.count_drop(drop_reason::not_hex);
  rx.count_drop(drop_reason::too_large);
  CHECK(rx.stats().received == 2);
  CHECK(rx.stats().dropped_total() == 2);
  CHECK(rx.stats().dropped[static_cast<std::size_t>(drop_reason::not_hex)] == 1);
}
