// The receiving engine: pick + signature check + reassembly for grams of every dialect
// and form. Sans-IO: a gram, its source (an opaque string the transport chooses) and
// `now` go in; a report on that gram comes back, completed memos and events are polled.
// Nothing on this path throws for bad input: every gram is accepted, held, recognised as
// a duplicate, or dropped with a reason, and counted.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/ack_queue.hpp"
#include "wirekit/memo/pick.hpp"
#include "wirekit/memo/reassembly.hpp"
#include "wirekit/memo/trust_store.hpp"

namespace wirekit::memo {

struct receiver_config {
  bool authic = false;                 // accept signed codes only
  const trust_store* trust = nullptr;  // verkeys of D/E vids; must outlive the receiver
  reassembly_limits limits;
};

enum class gram_status {
  accepted,   // stored for its memo
  held,       // signed later gram waiting for its memo's zeroth gram
  duplicate,  // same memo and number seen before (first wins), or memo already complete
  dropped,    // see reason
};

enum class signature_check {
  none,     // unsigned gram
  valid,    // verified
  pending,  // held until the zeroth gram gives the verkey
  failed,   // did not verify, or no verkey for its vid
};

std::string_view to_string(gram_status s);
std::string_view to_string(signature_check s);

// What one gram was and what became of it (also what memo-recv --explain prints).
struct gram_report {
  gram_status status = gram_status::dropped;
  std::optional<drop_reason> reason;
  bool parsed = false;  // the fields below are filled
  dialect dia = dialect::d1aa;
  form frm = form::text;
  std::string_view code;       // views into the static code table
  std::string_view code_name;  // (no allocation per gram)
  bool zeroth = false;
  std::uint32_t number = 0;
  std::optional<std::uint32_t> count;
  std::string mid;
  std::string vid;
  std::size_t body_bytes = 0;
  signature_check sig = signature_check::none;
  bool sure = false;
  bool completed = false;  // this gram completed its memo
};

struct receiver_stats {
  std::uint64_t received = 0;
  std::uint64_t accepted = 0;
  std::uint64_t held = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t completed = 0;
  std::array<std::uint64_t, drop_reason_count> dropped{};      // incl. late drops
  std::array<std::uint64_t, eviction_reason_count> evicted{};  // partial memos
  std::uint64_t acks = 0;                                      // ack grams made for sure grams
  std::uint64_t acks_dropped = 0;  // sure grams not answered: too many acks owed at once

  std::uint64_t dropped_total() const;
  std::uint64_t evicted_total() const;
};

using receiver_event = std::variant<late_drop, eviction>;

class receiver {
 public:
  // acks: how sure grams are answered (on by default; see ack_queue.hpp).
  explicit receiver(receiver_config config, ack_config acks = {});

  gram_report on_gram(byte_view gram, std::string_view source, clock::time_point now);
  // Counts a datagram the transport could not even hand over as a gram (e.g. bad hex).
  void count_drop(drop_reason why);
  // Evicts what is too old; call when next_deadline() passes.
  void on_tick(clock::time_point now);
  std::optional<clock::time_point> next_deadline() const { return table_.next_deadline(); }

  std::optional<completed_memo> poll_memo();
  std::optional<receiver_event> poll_event();  // late drops and evictions
  // The next ack owed to a sender of sure grams (one per memo since the last call).
  std::optional<outgoing_ack> poll_ack();

  const receiver_stats& stats() const { return stats_; }
  std::vector<std::string> pending_mids() const { return table_.pending_mids(); }
  const reassembly& table() const { return table_; }

 private:
  void drop(gram_report& r, drop_reason why);
  void collect_events();
  std::optional<verkey> verkey_for(const gram_fields& g) const;
  void accept_zeroth(gram_report& r, const gram_fields& g, std::optional<verkey> key,
                     clock::time_point now, std::string_view source);
  void accept_later(gram_report& r, const gram_fields& g, bool is_signed, clock::time_point now,
                    std::string_view source);
  void release_held(reassembly::memo_state& m, std::vector<reassembly::held_gram> held);
  void try_complete(gram_report& r, std::string_view mid);
  void note_sure(const gram_report& r, const gram_fields& g, std::string_view source,
                 clock::time_point now);

  receiver_config config_;
  reassembly table_;
  receiver_stats stats_;
  std::deque<completed_memo> memos_;
  std::deque<receiver_event> events_;
  ack_queue acks_;
};

}  // namespace wirekit::memo
