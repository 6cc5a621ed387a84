#include <catch2/catch.hpp>

#include "wirekit/common/base64url.hpp"
#include "wirekit/common/cesr.hpp"
#include "wirekit/common/hex.hpp"

using namespace wirekit;

// Vectors from spec/memogram.md §1.4 and §8 (hio's own tests).
TEST_CASE("cesr MID is 0A plus a 16-byte salt", "[common][cesr]") {
  const auto raw = *from_hex("f9b39d36375e11f1b5b0f2acaf456f92");
  CHECK(cesr::encode_qb64(cesr::memo_id, raw) == "0AD5s502N14R8bWw8qyvRW-S");
  CHECK(to_hex(cesr::encode_qb2(cesr::memo_id, raw)) == "d000f9b39d36375e11f1b5b0f2acaf456f92");
  CHECK(cesr::decode_qb64(cesr::memo_id, "0AD5s502N14R8bWw8qyvRW-S") == raw);
  CHECK(cesr::decode_qb2(cesr::memo_id, *from_hex("d000f9b39d36375e11f1b5b0f2acaf456f92")) == raw);
}

TEST_CASE("cesr verkey, seed and signature encode as hio writes them", "[common][cesr]") {
  const auto verkey = *from_hex("6f91f4be244d750b7b7dd3aa2767d1cf96fb1eb15389485c276165062bb22876");
  CHECK(cesr::encode_qb64(cesr::ed25519_verkey_basic, verkey) ==
        "BG-R9L4kTXULe33Tqidn0c-W-x6xU4lIXCdhZQYrsih2");
  CHECK(to_hex(cesr::encode_qb2(cesr::ed25519_verkey_basic, verkey)) == "04" + to_hex(verkey));
  CHECK(to_hex(cesr::encode_qb2(cesr::ed25519_verkey, verkey)).starts_with("0c"));
  CHECK(to_hex(cesr::encode_qb2(cesr::blake3_digest, verkey)).starts_with("10"));

  const auto seed = *from_hex("9b460af1c24cea42433af7e9d731bcd27b7f81ae359ccaf9dbac4060270ea410");
  CHECK(cesr::encode_qb64(cesr::ed25519_seed, seed) ==
        "AJtGCvHCTOpCQzr36dcxvNJ7f4GuNZzK-dusQGAnDqQQ");

  const auto sig = *from_hex(
      "b0c0d509a0d35130fa3893420c83b52efb48a5debf7d367bcf7ca30e6c228466d373624843b9b985b0d276ed07"
      "cf7c63a4d6dc45be8a7b77353dbf845f9eb304");
  const std::string sig_text =
      "0BCwwNUJoNNRMPo4k0IMg7Uu-0il3r99NnvPfKMObCKEZtNzYkhDubmFsNJ27QfPfGOk1txFvop7dzU9v4RfnrME";
  CHECK(cesr::encode_qb64(cesr::ed25519_signature, sig) == sig_text);
  CHECK(cesr::decode_qb64(cesr::ed25519_signature, sig_text) == sig);
  CHECK(to_hex(cesr::encode_qb2(cesr::ed25519_signature, sig)) == "d010" + to_hex(sig));
}

TEST_CASE("cesr decoding rejects wrong codes, lengths and pad bits", "[common][cesr]") {
  CHECK_FALSE(cesr::decode_qb64(cesr::memo_id, "0BD5s502N14R8bWw8qyvRW-S").has_value());
  CHECK_FALSE(cesr::decode_qb64(cesr::memo_id, "0AD5s502N14R8bWw8qyvRW-").has_value());
  CHECK_FALSE(
      cesr::decode_qb64(cesr::ed25519_verkey_basic, "DG-R9L4kTXULe33Tqidn0c-W-x6xU4lIXCdhZQYrsih2")
          .has_value());
  // qb2 with a non-zero pad nibble after the 0A code.
  CHECK_FALSE(cesr::decode_qb2(cesr::memo_id, *from_hex("d001f9b39d36375e11f1b5b0f2acaf456f92"))
                  .has_value());
  // qb2 verkey B with a pad bit set (05 instead of 04).
  CHECK_FALSE(cesr::decode_qb2(cesr::ed25519_verkey_basic,
                               *from_hex("056f91f4be244d750b7b7dd3aa2767d1cf96fb1eb15389485c276165"
                                         "062bb22876"))
                  .has_value());
}
