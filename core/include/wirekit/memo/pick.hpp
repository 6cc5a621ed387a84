// pick: one gram's bytes -> its fields and body, or the reason it cannot be a gram.
// Decoding only: signatures are decoded here but verified by the receiver, which knows
// the memo's verifier (a later gram carries no VID in 1aa/baa).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/dialect.hpp"
#include "wirekit/memo/drop_reason.hpp"
#include "wirekit/memo/ed25519.hpp"

namespace wirekit::memo {

struct gram_fields {
  dialect dia = dialect::d1aa;
  form frm = form::text;
  const code_info* code = nullptr;
  std::uint32_t number = 0;            // 0 for a zeroth gram
  std::optional<std::uint32_t> count;  // zeroth grams only
  std::string mid;                     // qb64 text, also for binary grams
  std::string vid;                     // qb64 text; empty when the gram carries none
  std::optional<verkey> vid_raw;       // the 32 bytes after the vid's code
  byte_view body;                      // views into the gram passed to pick
  byte_view signed_part;               // everything before the signature
  std::optional<signature> sig;        // signed codes only

  bool is_zeroth() const { return count.has_value(); }
  bool is_signed() const { return sig.has_value(); }
};

struct pick_result {
  std::optional<drop_reason> reason;  // set when the bytes are not a usable gram
  gram_fields fields;                 // filled as far as parsing got

  bool ok() const { return !reason; }
};

// authic: refuse codes without a signature before looking further (as hio does).
pick_result pick(byte_view gram, bool authic = false);

// The verkey a vid stands for: itself for `B`, else nullopt (the caller asks its trust store).
std::optional<verkey> own_verkey(const gram_fields& g);

}  // namespace wirekit::memo
