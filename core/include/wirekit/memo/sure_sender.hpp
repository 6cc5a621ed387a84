// The sending side of acknowledged ("sure") delivery. Sans-IO: memos come in as their
// grams, acks as datagrams with their source, and `now` with every call; grams to send and
// one outcome per memo (delivered or failed) come out. Each memo keeps its grams until the
// receiver has acked all of them. Lost grams are sent again when acks show a gap behind
// later grams (reorder_threshold; 1 once the memo has nothing new to send); when no gram of
// a memo was sent for about two round trips and no ack came, its newest unacked grams
// (probe_grams) are sent again as a tail-loss probe (its ack shows which grams of the tail are
// missing, or that only the acks were lost), so a lost tail, or lost acks while the window is full,
// do not wait for the timeout; and after a retransmission timeout derived from measured round trips
// (RFC 6298 style, doubled per timeout of the same memo without progress). A window per destination
// bounds the grams in flight: it grows with every gram acked and is halved after a timeout, or
// after a round trip that found more than loss_tolerance of the grams it told about (acked or
// lost) lost, so a fast sender does not
// overrun the receiver's socket buffer (overrun loses grams in bursts), while a steady trickle of
// random loss does not throttle it the way it throttles TCP.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/reassembly.hpp"
#include "wirekit/memo/trust_store.hpp"

namespace wirekit::memo {

struct sure_config {
  clock::duration initial_rto = std::chrono::milliseconds(250);
  clock::duration min_rto = std::chrono::milliseconds(10);
  clock::duration max_rto = std::chrono::seconds(4);  // ceiling of the doubled timeout
  unsigned retries = 8;  // timeouts in a row without progress before a memo fails
  clock::duration deadline = std::chrono::seconds(60);  // per memo, from add(); 0 = none
  std::size_t initial_window = 16;                      // grams in flight per destination
  std::size_t min_window = 2;
  std::size_t max_window = 256;
  std::size_t max_window_bytes = std::size_t{2} << 20;  // bytes in flight per destination
  std::size_t reorder_threshold = 3;  // later grams acked before a gram counts as lost
  // Tail-loss probes per memo before only the timeout is left; each waits twice as long as
  // the one before, the first max(2 smoothed round trips, min_probe_timeout) after the
  // memo's last gram was sent. 0: no probes.
  unsigned max_probes = 2;
  std::size_t probe_grams = 2;  // the newest grams in flight, sent again by a probe
  clock::duration min_probe_timeout = std::chrono::milliseconds(1);
  double loss_tolerance = 0.2;   // share of a round trip's acked + lost grams lost, unpunished
  std::size_t max_memos = 1024;  // memos held until acked
  std::size_t max_bytes = std::size_t{64} << 20;  // bytes of grams held until acked
  std::size_t max_destinations = 1024;
  // Acks for signed memos must be signed. Their vid: a B vid is its own key, D/E vids need
  // an entry here; when ack_vids is not empty, only those vids are accepted.
  const trust_store* trust = nullptr;
  std::vector<std::string> ack_vids;
};

enum class ack_status {
  applied,        // acked grams that were not acked before
  no_news,        // a valid ack that told nothing new (e.g. a duplicate)
  not_ack,        // not an ack gram at all
  malformed,      // an ack gram whose body breaks the format
  unknown_mid,    // no memo of ours has this MID
  late,           // for a memo already delivered or failed
  wrong_source,   // not from the address the memo was sent to
  unsigned_ack,   // an unsigned ack for a signed memo
  untrusted_vid,  // signed by a vid we have no key for, or not one of ack_vids
  bad_signature,  // the signature does not verify
};
inline constexpr std::size_t ack_status_count =
    static_cast<std::size_t>(ack_status::bad_signature) + 1;
std::string_view to_string(ack_status s);

struct memo_outcome {
  std::uint64_t tag = 0;  // the caller's, from add()
  std::string mid;
  std::string destination;
  bool delivered = false;
  std::string reason;  // why it failed
  std::uint32_t grams = 0;
  std::uint64_t retransmissions = 0;
  clock::duration elapsed{};
};

struct sure_stats {
  std::uint64_t grams_sent = 0;  // including retransmissions
  std::uint64_t retransmissions = 0;
  std::uint64_t fast_retransmissions = 0;  // of those, detected from acks
  std::uint64_t tail_probes = 0;           // of those, tail-loss probes
  std::uint64_t timeouts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::array<std::uint64_t, ack_status_count> acks{};
};

enum class add_status { added, full, too_many_destinations, duplicate_mid };

struct outgoing_gram {
  std::string_view destination;
  byte_view gram;  // valid until the next call on the engine
};

class sure_sender {
 public:
  explicit sure_sender(sure_config config);

  // False when max_memos or max_bytes would be passed (unless nothing is held).
  bool can_add(std::size_t gram_bytes) const;
  // A memo of no grams (an empty memo) is reported delivered at once.
  add_status add(std::string mid, std::string destination, std::vector<bytes> grams, bool is_signed,
                 clock::time_point now, std::uint64_t tag = 0);

  // The next gram to send now, when some destination's window allows one.
  std::optional<outgoing_gram> next(clock::time_point now);
  ack_status on_ack(byte_view datagram, std::string_view source, clock::time_point now);
  // Retransmission timeouts and deadlines; call when next_deadline() passes.
  void on_tick(clock::time_point now);
  std::optional<clock::time_point> next_deadline() const;
  // Fails every memo to destination (it failed for good, e.g. no such socket).
  void fail_destination(std::string_view destination, const std::string& reason,
                        clock::time_point now);

  std::optional<memo_outcome> poll_outcome();

  std::size_t memos() const { return memos_.size(); }
  std::size_t held_bytes() const { return held_bytes_; }
  bool idle() const { return memos_.empty(); }
  const sure_stats& stats() const { return stats_; }
  // Window and timeout of a destination (for tests and reports).
  std::size_t window(std::string_view destination) const;
  std::size_t in_flight(std::string_view destination) const;
  clock::duration rto(std::string_view destination) const;

 private:
  enum class slot_state : std::uint8_t { waiting, in_flight, acked };
  struct slot {
    slot_state state = slot_state::waiting;
    std::uint32_t sends = 0;
    std::uint64_t seq = 0;
    clock::time_point sent_at{};
  };
  struct destination {
    std::string name;
    double cwnd = 0;
    double ssthresh = 1e18;
    std::size_t in_flight = 0;
    std::size_t in_flight_bytes = 0;
    bool have_rtt = false;
    clock::duration srtt{}, rttvar{}, rto{};
    std::uint64_t recovery_seq = 0;   // timeouts of grams sent up to here shrink the window once
    std::uint64_t round_end_seq = 0;  // the round ends when a gram sent after this is acked
    std::size_t round_acked = 0;      // grams acked and found lost in this round
    std::size_t round_lost = 0;
    std::deque<std::uint64_t> sending;  // memos with grams to send, oldest first
  };
  struct memo_entry {
    std::uint64_t id = 0;
    std::uint64_t tag = 0;
    std::string mid;
    destination* dest = nullptr;
    std::vector<bytes> grams;
    std::vector<slot> slots;
    std::deque<std::uint32_t> ready;  // not sent yet, in this order
    std::set<std::uint32_t> resend;   // lost: to send again, before any in ready
    std::deque<std::pair<std::uint32_t, std::uint64_t>> flight;  // (number, seq), send order
    std::size_t unacked = 0;
    std::uint32_t acked_below = 0;  // every gram numbered below this is acked
    std::size_t held = 0;           // bytes of grams not yet acked
    bool is_signed = false;
    bool queued = false;             // in dest->sending
    unsigned timeouts = 0;           // in a row, without progress
    std::uint64_t timeout_mark = 0;  // the last seq sent at the latest timeout
    unsigned probes = 0;             // tail-loss probes since the last ack with news
    clock::time_point last_sent{};   // of any gram of this memo
    std::uint64_t retransmissions = 0;
    std::uint64_t ignored_acks = 0;
    ack_status last_ignored = ack_status::applied;
    clock::time_point started{};
    std::optional<clock::time_point> deadline;
  };

  destination* destination_for(std::string_view name);
  const destination* find_destination(std::string_view name) const;
  void enqueue(memo_entry& m, bool front);
  void lose(memo_entry& m, const std::vector<std::uint32_t>& numbers, bool timeout);
  void shrink(destination& d);
  void end_round(destination& d, std::uint64_t top_seq);
  void acked(memo_entry& m, std::uint32_t number, clock::time_point now, std::uint64_t& top_seq,
             std::optional<clock::duration>& sample);
  void sample_rtt(destination& d, clock::duration r);
  clock::duration memo_rto(const memo_entry& m) const;
  std::optional<clock::time_point> timeout_of(const memo_entry& m) const;
  std::optional<clock::time_point> probe_of(const memo_entry& m) const;
  void probe(memo_entry& m);
  void finish(memo_entry& m, bool delivered, std::string reason, clock::time_point now);
  ack_status ignore(memo_entry* m, ack_status why);

  sure_config config_;
  std::map<std::string, destination, std::less<>> dests_;
  std::map<std::uint64_t, memo_entry> memos_;  // by id: oldest first
  std::unordered_map<std::string, std::uint64_t> by_mid_;
  std::deque<std::string> finished_order_;
  std::unordered_set<std::string> finished_;
  std::deque<memo_outcome> outcomes_;
  std::uint64_t next_id_ = 1;
  std::uint64_t next_seq_ = 1;
  std::size_t held_bytes_ = 0;
  std::string last_served_;
  sure_stats stats_;
};

}  // namespace wirekit::memo
