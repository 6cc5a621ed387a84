#include "wirekit/memo/drop_reason.hpp"

namespace wirekit::memo {

std::string_view to_string(drop_reason r) {
  switch (r) {
    case drop_reason::empty:
      return "empty";
    case drop_reason::unknown_form:
      return "unknown_form";
    case drop_reason::unknown_code:
      return "unknown_code";
    case drop_reason::unsigned_refused:
      return "unsigned_refused";
    case drop_reason::truncated:
      return "truncated";
    case drop_reason::bad_number:
      return "bad_number";
    case drop_reason::bad_mid:
      return "bad_mid";
    case drop_reason::bad_vid:
      return "bad_vid";
    case drop_reason::bad_signature_encoding:
      return "bad_signature_encoding";
    case drop_reason::unknown_vid:
      return "unknown_vid";
    case drop_reason::bad_signature:
      return "bad_signature";
    case drop_reason::ack_unexpected:
      return "ack_unexpected";
    case drop_reason::number_beyond_count:
      return "number_beyond_count";
    case drop_reason::unsigned_in_signed_memo:
      return "unsigned_in_signed_memo";
    case drop_reason::signed_in_unsigned_memo:
      return "signed_in_unsigned_memo";
    case drop_reason::vid_mismatch:
      return "vid_mismatch";
    case drop_reason::memo_too_large:
      return "memo_too_large";
    case drop_reason::hold_full:
      return "hold_full";
    case drop_reason::not_hex:
      return "not_hex";
    case drop_reason::too_large:
      return "too_large";
  }
  return "?";
}

std::string_view describe(drop_reason r) {
  switch (r) {
    case drop_reason::empty:
      return "empty datagram";
    case drop_reason::unknown_form:
      return "first byte starts no known gram code";
    case drop_reason::unknown_code:
      return "unknown gram code";
    case drop_reason::unsigned_refused:
      return "unsigned gram refused (authic receiver)";
    case drop_reason::truncated:
      return "shorter than its header and signature";
    case drop_reason::bad_number:
      return "gram count or number is not base64url";
    case drop_reason::bad_mid:
      return "memo id is not base64url";
    case drop_reason::bad_vid:
      return "verifier id is not a B, D or E verkey";
    case drop_reason::bad_signature_encoding:
      return "signature is not a CESR Ed25519 signature";
    case drop_reason::unknown_vid:
      return "verifier id not in the trust file";
    case drop_reason::bad_signature:
      return "signature does not verify";
    case drop_reason::ack_unexpected:
      return "ack gram, but no acknowledgements were asked for";
    case drop_reason::number_beyond_count:
      return "gram number not below the memo's gram count";
    case drop_reason::unsigned_in_signed_memo:
      return "unsigned gram for a signed memo";
    case drop_reason::signed_in_unsigned_memo:
      return "signed gram for an unsigned memo";
    case drop_reason::vid_mismatch:
      return "signed by another verifier id than the memo";
    case drop_reason::memo_too_large:
      return "memo larger than the pending-bytes limit";
    case drop_reason::hold_full:
      return "too many grams of this memo wait for its zeroth gram";
    case drop_reason::not_hex:
      return "line is not hex";
    case drop_reason::too_large:
      return "larger than the largest gram accepted";
  }
  return "?";
}

std::string_view to_string(eviction_reason r) {
  switch (r) {
    case eviction_reason::age:
      return "age";
    case eviction_reason::pending_memos:
      return "pending_memos";
    case eviction_reason::pending_bytes:
      return "pending_bytes";
    case eviction_reason::held_grams:
      return "held_grams";
  }
  return "?";
}

}  // namespace wirekit::memo
