// The receiver's table of partial memos, keyed by MID (hio's rxgs/counts/vids/sources),
// with hio's first-wins rules and the bounds hio lacks: partial memos by count, bytes
// held and age, and signed later grams held while their zeroth gram is missing. Every
// eviction is counted and reported. Time comes in as `now`; nothing here reads a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/dialect.hpp"
#include "wirekit/memo/drop_reason.hpp"
#include "wirekit/memo/ed25519.hpp"

namespace wirekit::memo {

using clock = std::chrono::steady_clock;

// Defaults suit one receiver on a busy link; each is a flag of memo-recv.
struct reassembly_limits {
  std::size_t max_pending_memos = 1024;
  std::size_t max_pending_bytes = std::size_t{256} << 20;
  clock::duration max_age = std::chrono::seconds(60);
  std::size_t max_held_grams = 1024;
  // Completed MIDs remembered (as long as max_age) so late duplicates are not taken
  // for a new memo.
  std::size_t remembered_memos = 4096;
};

// Book-keeping cost charged per stored gram on top of its body, so that floods of empty
// bodies are bounded by max_pending_bytes too.
inline constexpr std::size_t per_gram_overhead_bytes = 64;

struct completed_memo {
  std::string mid;
  std::optional<std::string> vid;  // set for signed memos
  dialect dia = dialect::d1aa;
  std::string source;  // of the memo's first gram (first wins, as in hio)
  std::uint32_t grams = 0;
  bytes memo;
};

struct eviction {
  std::string mid;
  eviction_reason reason;
  std::size_t grams;  // grams (stored and held) given up with it
};

// A gram given up after it was accepted or held, e.g. when the zeroth gram arrives and
// shows it does not belong to the memo.
struct late_drop {
  std::string mid;
  std::uint32_t number;
  drop_reason reason;
};

class reassembly {
 public:
  struct body_entry {
    bytes body;  // empty when the body went into the memo's in-order prefix
    bool is_signed;
  };
  struct held_gram {
    std::uint32_t number;
    bytes gram;  // the whole gram, verified once the memo's verkey is known
  };
  struct memo_state {
    std::string mid;
    std::string source;
    dialect dia = dialect::d1aa;
    clock::time_point first_seen;
    std::uint64_t order = 0;
    std::optional<std::uint32_t> count;  // from the first zeroth gram
    std::optional<bool> is_signed;       // decided by the zeroth gram (legacy: first gram)
    std::string vid;
    std::optional<verkey> key;
    std::map<std::uint32_t, body_entry> bodies;
    // Bodies of grams 0..prefix_grams-1 that came in order, already joined: a memo that
    // arrives in order (the usual case) is copied once, not twice.
    wirekit::bytes prefix;
    std::uint32_t prefix_grams = 0;
    std::size_t expected_bytes = 0;  // the memo's size as the zeroth gram suggests
    std::vector<held_gram> held;
    std::size_t bytes = 0;
  };

  explicit reassembly(const reassembly_limits& limits) : limits_(limits) {}

  memo_state* find(std::string_view mid);
  bool recently_completed(std::string_view mid) const;

  // The state for mid, created when new (evicting the oldest memo when the table is full).
  memo_state& open(std::string_view mid, std::string_view source, dialect d, clock::time_point now);

  // The zeroth gram's hint of the memo's size (count times its gram size, capped): the
  // in-order prefix is reserved for it at once instead of growing by doubling.
  void expect(memo_state& m, std::size_t total_bytes);
  // Stores a body; false (and the memo evicted) when the memo cannot fit the byte budget.
  bool add_body(memo_state& m, std::uint32_t number, byte_view body, bool is_signed);
  // Holds a signed later gram until the zeroth arrives. When the hold is full the oldest
  // other memo waiting for its zeroth gram is evicted; too_large as for add_body.
  enum class hold_result { held, hold_full, too_large };
  hold_result hold(memo_state& m, std::uint32_t number, byte_view gram);
  bool holds(const memo_state& m, std::uint32_t number) const;

  // Sets the count and signer from the zeroth gram (first wins) and gives back the grams
  // held for it; drops stored bodies that the zeroth shows do not belong.
  std::vector<held_gram> set_zeroth(memo_state& m, std::uint32_t count, std::optional<verkey> key,
                                    std::string vid, bool is_signed);

  // When every gram 0..count-1 is there: the memo, removed from the table.
  std::optional<completed_memo> complete(memo_state& m);

  // Evicts partial memos older than max_age.
  void expire(clock::time_point now);
  std::optional<clock::time_point> next_deadline() const;

  void evict(memo_state& m, eviction_reason why);
  std::vector<eviction> take_evictions() { return std::exchange(evictions_, {}); }
  std::vector<late_drop> take_late_drops() { return std::exchange(late_drops_, {}); }

  std::size_t pending_memos() const { return memos_.size(); }
  std::size_t pending_bytes() const { return bytes_; }
  std::size_t held_grams() const { return held_; }
  std::vector<std::string> pending_mids() const;  // oldest first
  // Gram numbers stored for mid (held grams not included), e.g. for selective acks.
  std::vector<std::uint32_t> numbers(std::string_view mid) const;

 private:
  bool reserve(memo_state& m, std::size_t n);
  bool append_to_prefix(memo_state& m, byte_view body);
  void erase(memo_state& m);
  void remember(const std::string& mid, clock::time_point now);

  // Looked up by string_view without building a string per gram.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using text_equal = std::equal_to<>;

  reassembly_limits limits_;
  std::unordered_map<std::string, memo_state, text_hash, text_equal> memos_;
  std::map<std::uint64_t, std::string> by_age_;  // order -> mid, oldest first
  std::uint64_t next_order_ = 0;
  std::size_t bytes_ = 0;
  std::size_t held_ = 0;
  clock::time_point latest_{};
  std::deque<std::pair<std::string, clock::time_point>> completed_order_;
  std::unordered_set<std::string, text_hash, text_equal> completed_;
  std::vector<eviction> evictions_;
  std::vector<late_drop> late_drops_;
};

}  // namespace wirekit::memo
