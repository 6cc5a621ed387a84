// rend: one memo -> its grams, with each dialect's sizing, clamps and quirks, so that the
// grams are byte-identical to hio's (spec/memogram.md §2, §3.3, Appendix A.2). Two
// deliberate departures: the gram count written is always the true count (hio writes 0
// for binary unsigned memos of 1-8 bytes), and sizes where hio fails with an arithmetic
// error either rend correct grams or are refused with a reason.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/dialect.hpp"
#include "wirekit/memo/ed25519.hpp"
#include "wirekit/memo/mid.hpp"

namespace wirekit::memo {

struct rend_config {
  dialect dia = dialect::d1aa;
  form frm = form::text;
  std::size_t size = max_gram_bytes;    // gram size asked for; clamped, see effective_size
  bool sure = false;                    // sure codes (1aa, baa only)
  const signing_key* signer = nullptr;  // signed codes when set
  std::string vid;                      // qb64 vid the signer signs as (B… or D…)
  // Unsigned grams only: leave each body in the memo (rend_result::bodies) instead of
  // copying it into the gram, for a sender that gathers head and body into one datagram.
  bool bodies_in_memo = false;
};

enum class rend_status {
  ok,
  sure_unsupported,  // legacy has no sure codes
  bad_vid,           // signer without a 44-character B/D vid
  size_too_small,    // binary unsigned 1aa/baa: later grams would have no body room
  memo_too_large,    // more than the dialect's gram count allows at this size
};

struct rend_result {
  rend_status status = rend_status::ok;
  std::string message;  // set when status != ok
  std::vector<bytes> grams;
  // Set when bodies_in_memo applied: gram k is grams[k] (its head) followed by bodies[k], a
  // slice of the memo rend was given.
  std::vector<byte_view> bodies;
};

// The gram size rend really uses: at least the zeroth gram's overhead plus one byte;
// legacy also caps it at 65535 (1aa and baa do not).
std::size_t effective_size(const rend_config& config);

// An empty memo rends to no grams (as in hio).
rend_result rend(byte_view memo, const rend_config& config, const mid_raw& mid);

}  // namespace wirekit::memo
