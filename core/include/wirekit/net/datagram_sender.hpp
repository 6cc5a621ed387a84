// Sends datagrams to any number of destinations without losing one to a full buffer: each
// destination has its own bounded queue and at most one send in flight, a datagram the
// kernel refuses for now (EAGAIN, ENOBUFS, ENOMEM) stays at the head of its queue and is
// retried, and a destination that fails for good (no such socket, refused, unreachable)
// is dropped alone, reported, and never blocks the others.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include "wirekit/net/asio.hpp"

#include "wirekit/common/bytes.hpp"
#include "wirekit/net/datagram_address.hpp"
#include "wirekit/net/endpoint.hpp"

namespace wirekit::net {

struct datagram_sender_limits {
  std::size_t max_queued_bytes = 64 * 1024 * 1024;  // all destinations together
  std::size_t max_destinations = 1024;
  std::size_t send_buffer_bytes = 4 * 1024 * 1024;  // SO_SNDBUF asked of the kernel
};

enum class push_result {
  queued,
  full,  // max_queued_bytes reached: wait for on_idle or on_sent, then push again
  too_many_destinations,
  destination_failed  // this destination already failed for good
};

// One datagram: its first bytes owned, the rest (optional) left where a keeper holds them,
// so a gram's body goes from the memo to the kernel without a copy of ours.
struct outgoing_datagram {
  bytes head;
  byte_view tail;
  std::shared_ptr<const void> keeper;  // keeps tail's memory until the datagram is sent

  std::size_t size() const { return head.size() + tail.size(); }
};

struct datagram_sender_stats {
  std::size_t sent_datagrams = 0;
  std::size_t sent_bytes = 0;
  std::size_t retries = 0;            // temporary refusals (ENOBUFS, ENOMEM) waited out
  std::size_t dropped_datagrams = 0;  // queued for a destination that then failed
};

class datagram_sender {
 public:
  using failure_handler =
      std::function<void(const datagram_address& to, std::error_code ec, std::size_t dropped)>;

  // from: bind the sending socket(s) there (so replies can reach us); empty: ephemeral
  // (udp) or unbound (uxd) sockets.
  datagram_sender(asio::io_context& io, std::optional<endpoint> from,
                  const datagram_sender_limits& limits = {});
  ~datagram_sender();
  datagram_sender(const datagram_sender&) = delete;
  datagram_sender& operator=(const datagram_sender&) = delete;

  push_result push(const datagram_address& to, bytes datagram);
  // Queues them all (moved from) and hands them to the kernel in batches (sendmmsg): one
  // system call for many datagrams. All or nothing: `full` queues none.
  push_result push(const datagram_address& to, std::span<bytes> datagrams);
  push_result push(const datagram_address& to, std::span<outgoing_datagram> datagrams);

  void on_failure(failure_handler handler) { on_failure_ = std::move(handler); }
  // Called whenever every queue has become empty (all handed to the kernel or dropped).
  void on_idle(std::function<void()> handler) { on_idle_ = std::move(handler); }

  std::size_t queued_bytes() const { return queued_bytes_; }
  bool idle() const { return queued_bytes_ == 0 && in_flight_ == 0; }
  const datagram_sender_stats& stats() const { return stats_; }

  // The socket that sends to this family ("udp" sockets are shared; each uxd destination
  // may have its own). Used to receive replies on a bound --from socket.
  datagram_protocol::socket* shared_socket(int family);

 private:
  struct lane;
  lane* lane_for(const datagram_address& to);
  void send_next(lane& l);
  // Hands queued datagrams to the kernel while it takes them; the error that stopped it.
  std::error_code send_ready(lane& l);
  void sent(lane& l, std::size_t n);
  void fail(lane& l, std::error_code ec);
  void check_idle();

  asio::io_context& io_;
  std::optional<endpoint> from_;
  datagram_sender_limits limits_;
  std::map<int, std::unique_ptr<datagram_protocol::socket>> shared_sockets_;  // by family
  std::map<std::string, std::unique_ptr<lane>> lanes_;                        // by address text
  lane* last_lane_ = nullptr;
  std::size_t queued_bytes_ = 0;
  std::size_t in_flight_ = 0;
  datagram_sender_stats stats_;
  failure_handler on_failure_;
  std::function<void()> on_idle_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace wirekit::net
