// Sends memos as grams over a datagram socket: rends each memo, paces the grams when a
// rate is set (a fast sender overruns receivers: hio's drops most grams of a 1 MiB memo
// sent at full speed), and hands them to a datagram_sender, which never loses one.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include "wirekit/net/asio.hpp"

#include "wirekit/memo/mid.hpp"
#include "wirekit/memo/rend.hpp"
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
  memo::rend_result queue(byte_view memo, const std::optional<memo::mid_raw>& mid = std::nullopt);

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
  double cost_of(const bytes& gram) const;

  memo_send_config config_;
  datagram_address to_;
  datagram_sender sender_;
  asio::steady_timer pace_timer_;
  std::deque<bytes> waiting_;
  std::size_t waiting_bytes_ = 0;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
  bool pace_armed_ = false;
  std::optional<std::string> failure_;
  memo_send_stats stats_;
};

}  // namespace wirekit::net
