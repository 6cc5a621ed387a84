// Runs the memo receiver engine on a bound datagram socket: every datagram goes through
// memo::receiver with the clock's now, completed memos and drops go to callbacks, and a
// timer evicts stale partial memos when the engine asks for it. Sure grams are answered
// with acks from the bound socket, one per memo per batch of datagrams read.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include "wirekit/net/asio.hpp"

#include "wirekit/memo/receiver.hpp"
#include "wirekit/net/datagram_receiver.hpp"

namespace wirekit::net {

struct memo_receive_config {
  endpoint where;
  memo::receiver_config receiver;
  memo::ack_config acks;  // its signer, if any, must outlive the loop
  datagram_receiver_options socket;
};

class memo_receive_loop {
 public:
  using memo_handler = std::function<void(const memo::completed_memo&)>;
  // Called for every gram that was dropped (report.reason set) and every late drop or
  // eviction the engine reports.
  using drop_handler = std::function<void(const memo::gram_report&, std::string_view source)>;
  using event_handler = std::function<void(const memo::receiver_event&)>;

  // Binds config.where; throws std::system_error naming it when that fails.
  memo_receive_loop(asio::io_context& io, memo_receive_config config);

  void start(memo_handler on_memo, drop_handler on_drop = {}, event_handler on_event = {});
  void stop();

  const memo::receiver_stats& stats() const { return engine_.stats(); }
  std::size_t pending_memos() const { return engine_.table().pending_memos(); }
  // Receive errors the socket reported (e.g. ICMP errors on udp); receiving went on.
  std::uint64_t socket_errors() const { return socket_errors_; }
  datagram_address local_address() const { return socket_.local_address(); }
  // Acks handed to the kernel, and acks that could not be sent (an unbound sender, a
  // full socket buffer, an error).
  std::uint64_t acks_sent() const { return acks_sent_; }
  std::uint64_t acks_unsent() const { return acks_unsent_; }

 private:
  void on_datagram(byte_view datagram, const datagram_address& source);
  void drain();
  void arm_eviction_timer();
  void send_acks();

  memo::receiver engine_;
  datagram_receiver socket_;
  asio::steady_timer eviction_timer_;
  memo_handler on_memo_;
  drop_handler on_drop_;
  event_handler on_event_;
  datagram_address last_source_;
  std::string last_source_text_;
  std::uint64_t socket_errors_ = 0;
  // Where the acks owed since the last send_acks go, by source text.
  std::unordered_map<std::string, datagram_address> ack_addresses_;
  bool acks_posted_ = false;
  std::uint64_t acks_sent_ = 0;
  std::uint64_t acks_unsent_ = 0;
  asio::io_context& io_;
  bool running_ = false;
};

}  // namespace wirekit::net
