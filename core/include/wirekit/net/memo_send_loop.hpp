// Sends memos as grams over a datagram socket: rends each memo, paces the grams when a
// rate is set (a fast sender overruns receivers: hio's drops most grams of a 1 MiB memo
// sent at full speed), and hands them to a datagram_sender, which never loses one.
// With `sure` set, memos are sent with acknowledgement: a memo::sure_sender keeps each
// memo's grams until acked, the acks are read on the sending socket (bound for that: to
// --from, or by default to an ephemeral udp port or a temporary uxd path), and an outcome
// per memo (delivered or failed) goes to on_outcome.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include "wirekit/net/asio.hpp"

#include "wirekit/memo/mid.hpp"
#include "wirekit/memo/rend.hpp"
#include "wirekit/memo/sure_sender.hpp"
#include "wirekit/net/datagram_receiver.hpp"
#include "wirekit/net/datagram_sender.hpp"

namespace wirekit::net {

// --rate: "N" or "Ng" grams per second; "NB", "NK", "NM" bytes, KiB, MiB per second.
struct send_rate {
  enum class unit { grams, bytes };
  unit per = unit::grams;
  double per_second = 0;
};
std::optional<send_rate> parse_send_rate(std::string_view text);

struct memo_send_config {
  endpoint to;
  std::optional<endpoint> from;
  memo::rend_config rend;  // its signer, if any, must outlive the loop
  std::optional<send_rate> rate;
  datagram_sender_limits limits;
  std::optional<memo::sure_config> sure;  // acknowledged delivery; needs rend.sure too
  // For tests and benchmarks only (no tool sets it): in sure mode, this share of the grams
  // sent and of the acks received is dropped, chosen by a generator seeded with
  // test_loss_seed, as a lossy link would (without a relay taking a core).
  double test_loss = 0;
  std::uint64_t test_loss_seed = 1;
};

struct memo_send_stats {
  std::size_t memos = 0;
  std::size_t grams = 0;  // queued for the socket (socket_stats() counts those sent)
  std::size_t bytes = 0;
};

class memo_send_loop {
 public:
  // Resolves config.to and opens the socket; throws std::system_error naming what failed.
  memo_send_loop(asio::io_context& io, memo_send_config config);

  // Rends memo and queues its grams (nothing is queued unless the status is ok). The MID
  // is random unless given.
  memo::rend_result queue(byte_view memo, const std::optional<memo::mid_raw>& mid = std::nullopt,
                          std::uint64_t tag = 0);
  // The same for a memo the loop may keep: unsigned grams are then sent as their heads
  // followed by slices of the memo, without copying the bodies (the memo is let go once its
  // last gram went to the kernel).
  memo::rend_result queue(std::shared_ptr<const bytes> memo,
                          const std::optional<memo::mid_raw>& mid = std::nullopt,
                          std::uint64_t tag = 0);

  // Sure mode: true when a memo of this size can be queued now (the unacked memos and
  // bytes held are within their limits); otherwise run the io_context and ask again.
  bool can_queue(std::size_t memo_bytes) const;
  // Sure mode: true once every queued memo was delivered or failed.
  bool settled() const { return !sure_ || sure_->idle(); }
  void on_outcome(std::function<void(const memo::memo_outcome&)> handler) {
    on_outcome_ = std::move(handler);
  }
  const memo::sure_stats* sure_stats() const { return sure_ ? &sure_->stats() : nullptr; }
  // Where acks are received (sure mode), e.g. "udp://0.0.0.0:40123" or "uxd:/tmp/…".
  std::string ack_address() const;

  // True while grams wait to be handed to the kernel. Run the io_context until it is false
  // before queueing much more, to keep memory bounded.
  bool busy() const { return !waiting_.empty() || !sender_.idle(); }
  std::size_t waiting_bytes() const { return waiting_bytes_; }

  // Set once the destination failed for good ("uxd:/x: No such file or directory").
  const std::optional<std::string>& failure() const { return failure_; }
  const memo_send_stats& stats() const { return stats_; }
  const datagram_sender_stats& socket_stats() const { return sender_.stats(); }

 private:
  void pump();
  void pump_sure();
  bool pace(double cost);
  double cost_of(const outgoing_datagram& gram) const;
  double cost_of(std::size_t gram_bytes) const;
  void receive_acks();
  void on_ack_datagram(byte_view datagram, const datagram_address& source);
  void after_engine();
  bool test_drop();

  memo_send_config config_;
  datagram_address to_;
  datagram_sender sender_;
  asio::steady_timer pace_timer_;
  std::deque<outgoing_datagram> waiting_;
  std::size_t waiting_bytes_ = 0;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
  bool pace_armed_ = false;
  std::optional<std::string> failure_;
  memo_send_stats stats_;
  // Sure mode.
  std::optional<memo::sure_sender> sure_;
  std::string destination_;  // to_ as text: acks must come from there
  asio::steady_timer sure_timer_;
  std::optional<memo::clock::time_point> sure_timer_at_;
  std::optional<datagram_receiver> acks_;  // on the sending socket
  bool ack_turn_posted_ = false;
  datagram_address ack_source_;
  std::string ack_source_text_;
  std::function<void(const memo::memo_outcome&)> on_outcome_;
  std::optional<std::mt19937_64> test_loss_rng_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~memo_send_loop();
  memo_send_loop(const memo_send_loop&) = delete;
  memo_send_loop& operator=(const memo_send_loop&) = delete;
};

}  // namespace wirekit::net
