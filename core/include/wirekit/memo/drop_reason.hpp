// Why a receiver drops a gram: one value per rejection, each counted (STYLE.md §7.3).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace wirekit::memo {

enum class drop_reason {
  empty,                    // a datagram of zero bytes
  unknown_form,             // first byte is no dialect's text or binary code start
  unknown_code,             // the code is not in its dialect's table (or not ASCII)
  unsigned_refused,         // an authic receiver got a code without a signature
  truncated,                // shorter than the header and signature its code needs
  bad_number,               // gram count/number is not base64url
  bad_mid,                  // MID is not base64url
  bad_vid,                  // VID code is not B, D or E, or its pad bits are not zero
  bad_signature_encoding,   // signature is not a CESR 0B signature
  unknown_vid,              // a D or E vid that the trust store does not hold
  bad_signature,            // Ed25519 verification failed
  ack_unexpected,           // an ack code where no acknowledgements were asked for
  number_beyond_count,      // gram number >= the memo's gram count
  unsigned_in_signed_memo,  // an unsigned gram for a memo whose zeroth gram is signed
  signed_in_unsigned_memo,  // a signed later gram for a memo whose zeroth is unsigned
  vid_mismatch,             // legacy: a gram signed by another vid than the memo's
  memo_too_large,           // one memo alone needs more than the pending-bytes budget
  hold_full,                // a memo's own held grams fill the hold for grams before zeroth
  not_hex,                  // offline modes only: an input line that is not hex
  too_large,                // larger than the receiver takes as one gram
};

inline constexpr std::size_t drop_reason_count =
    static_cast<std::size_t>(drop_reason::too_large) + 1;

std::string_view to_string(drop_reason r);
// One line a person can read, e.g. for memo-recv -v.
std::string_view describe(drop_reason r);

// Why a partial memo (or grams held for it) was given up.
enum class eviction_reason {
  age,            // older than max_age
  pending_memos,  // too many partial memos: the oldest goes
  pending_bytes,  // too many bytes held: the oldest goes
  held_grams,     // too many signed later grams waiting for their zeroth gram
};

inline constexpr std::size_t eviction_reason_count =
    static_cast<std::size_t>(eviction_reason::held_grams) + 1;

std::string_view to_string(eviction_reason r);

}  // namespace wirekit::memo
