// The receiving side of acknowledged delivery: which memos owe their sender an ack, and the
// ack grams themselves. The receiver marks a memo when one of its sure grams is accepted or
// repeated; the transport takes the acks (one per memo, however many grams came) when it
// has handled a batch of datagrams. Delivered memos are remembered (bounded by count and
// age) so that a repeated gram is answered "complete" instead of starting the memo again.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wirekit/memo/ack.hpp"
#include "wirekit/memo/reassembly.hpp"

namespace wirekit::memo {

struct ack_config {
  bool enabled = true;                  // answer sure grams
  const signing_key* signer = nullptr;  // signs acks for signed memos; must outlive the queue
  std::string vid;                      // the vid it signs as
  std::size_t max_due = 1024;           // memos with an ack owed at once
};

struct outgoing_ack {
  std::string destination;  // the source of the gram that asked for it
  std::string mid;
  bytes gram;
};

class ack_queue {
 public:
  ack_queue(ack_config config, const reassembly_limits& limits)
      : config_(std::move(config)), limits_(limits) {}

  // A sure gram of mid came from source; false when the queue was full (not owed then).
  bool owe(std::string_view mid, std::string_view source, dialect d, form f, bool is_signed);
  // mid was delivered as `count` grams (remember it for repeated grams).
  void delivered(std::string_view mid, std::uint32_t count, bool is_signed, clock::time_point now);
  bool was_delivered(std::string_view mid) const { return done_.contains(std::string(mid)); }
  void expire(clock::time_point now);

  // The next ack owed, built from what `table` holds now.
  std::optional<outgoing_ack> take(const reassembly& table);
  bool empty() const { return due_.empty(); }
  bool enabled() const { return config_.enabled; }

 private:
  struct due {
    std::string mid;
    std::string source;
    dialect dia;
    form frm;
    bool is_signed;
  };
  struct done_memo {
    std::uint32_t count;
    bool is_signed;
  };

  ack_config config_;
  reassembly_limits limits_;
  std::deque<due> due_;
  std::unordered_map<std::string, std::size_t> due_index_;  // mid -> times queued
  std::unordered_map<std::string, done_memo> done_;
  std::deque<std::pair<std::string, clock::time_point>> done_order_;
};

}  // namespace wirekit::memo
