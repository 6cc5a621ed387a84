#include "wirekit/net/datagram_sender.hpp"

#include <sys/socket.h>

namespace wirekit::net {

namespace {

using namespace std::chrono_literals;

// Waits between retries of a datagram the kernel refused for now; doubled up to the max.
constexpr auto first_retry_delay = 1ms;
constexpr auto max_retry_delay = 64ms;
constexpr std::size_t max_sent_per_turn = 64;

bool is_temporary(std::error_code ec) {
  return ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory ||
         ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

struct datagram_sender::lane {
  explicit lane(asio::io_context& io) : retry_timer(io) {}
  datagram_address to;
  datagram_protocol::socket* socket = nullptr;
  std::unique_ptr<datagram_protocol::socket> own_socket;  // connected uxd socket
  std::deque<bytes> queue;
  bool in_flight = false;
  bool failed = false;
  std::chrono::milliseconds retry_delay = first_retry_delay;
  asio::steady_timer retry_timer;
};

datagram_sender::datagram_sender(asio::io_context& io, std::optional<endpoint> from,
                                 const datagram_sender_limits& limits)
    : io_(io), from_(std::move(from)), limits_(limits) {
  if (from_) {
    const auto address = resolve_datagram(io_, *from_);
    auto socket = std::make_unique<datagram_protocol::socket>(io_);
    std::error_code ec;
    socket->open(address.protocol(), ec);
    if (!ec) socket->bind(address, ec);
    if (!ec) socket->non_blocking(true, ec);
    if (ec) throw std::system_error(ec, "cannot bind " + to_string(*from_));
    shared_sockets_[address.protocol().family()] = std::move(socket);
  }
}

datagram_sender::~datagram_sender() {
  *alive_ = false;
  for (auto& [name, l] : lanes_) {
    std::error_code ignored;
    if (l->own_socket) l->own_socket->close(ignored);
  }
  for (auto& [family, socket] : shared_sockets_) {
    std::error_code ignored;
    socket->close(ignored);
  }
  if (from_ && from_->kind == endpoint_kind::unix_datagram) ::unlink(from_->path.c_str());
}

datagram_protocol::socket* datagram_sender::shared_socket(int family) {
  const auto it = shared_sockets_.find(family);
  return it == shared_sockets_.end() ? nullptr : it->second.get();
}

datagram_sender::lane* datagram_sender::lane_for(const datagram_address& to) {
  // Memos go to one destination gram after gram: skip formatting its address each time.
  if (last_lane_ && last_lane_->to == to) return last_lane_;
  const std::string key = to_string(to);
  if (const auto it = lanes_.find(key); it != lanes_.end()) return last_lane_ = it->second.get();
  if (lanes_.size() >= limits_.max_destinations) return nullptr;

  auto l = std::make_unique<lane>(io_);
  l->to = to;
  const int family = to.protocol().family();
  std::error_code ec;
  if (family == AF_UNIX && !shared_socket(AF_UNIX)) {
    // A connected unix socket per destination: the kernel then reports a full peer as
    // "not writable", so waiting for it costs nothing and blocks no other destination.
    l->own_socket = std::make_unique<datagram_protocol::socket>(io_);
    l->own_socket->open(to.protocol(), ec);
    if (!ec) l->own_socket->connect(to, ec);
    if (!ec) l->own_socket->non_blocking(true, ec);
    l->socket = l->own_socket.get();
  } else {
    auto& shared = shared_sockets_[family];
    if (!shared) {
      shared = std::make_unique<datagram_protocol::socket>(io_);
      shared->open(to.protocol(), ec);
      if (!ec) {
        shared->set_option(
            asio::socket_base::send_buffer_size(static_cast<int>(limits_.send_buffer_bytes)), ec);
        shared->non_blocking(true, ec);
      }
    }
    l->socket = shared.get();
  }
  auto* raw = l.get();
  lanes_.emplace(key, std::move(l));
  last_lane_ = raw;
  if (ec) fail(*raw, ec);
  return raw;
}

push_result datagram_sender::push(const datagram_address& to, bytes datagram) {
  if (queued_bytes_ + datagram.size() > limits_.max_queued_bytes && queued_bytes_ > 0) {
    return push_result::full;
  }
  lane* l = lane_for(to);
  if (!l) return push_result::too_many_destinations;
  if (l->failed) return push_result::destination_failed;
  queued_bytes_ += datagram.size();
  l->queue.push_back(std::move(datagram));
  if (!l->in_flight) send_next(*l);
  return push_result::queued;
}

void datagram_sender::send_next(lane& l) {
  if (l.in_flight || l.failed) return;
  // Fast path: hand datagrams to the kernel directly while it takes them; only a refusal
  // (EAGAIN, ENOBUFS) makes us wait. Bounded so other lanes and handlers get their turn.
  for (std::size_t i = 0; i < max_sent_per_turn && !l.queue.empty(); ++i) {
    std::error_code ec;
    const auto buf = asio::buffer(l.queue.front());
    const std::size_t n =
        l.own_socket ? l.socket->send(buf, 0, ec) : l.socket->send_to(buf, l.to, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec && is_temporary(ec)) break;
    if (ec) return fail(l, ec);
    sent(l, n);
  }
  if (l.queue.empty()) return;
  l.in_flight = true;
  ++in_flight_;
  auto handler = [this, &l, alive = alive_](std::error_code ec, std::size_t n) {
    if (!*alive) return;
    l.in_flight = false;
    --in_flight_;
    if (ec == asio::error::operation_aborted) return;
    if (is_temporary(ec)) {
      ++stats_.retries;
      l.retry_timer.expires_after(l.retry_delay);
      l.retry_delay = std::min(l.retry_delay * 2, std::chrono::milliseconds(max_retry_delay));
      l.in_flight = true;
      ++in_flight_;
      l.retry_timer.async_wait([this, &l, alive](std::error_code) {
        if (!*alive) return;
        l.in_flight = false;
        --in_flight_;
        send_next(l);
        check_idle();
      });
      return;
    }
    if (ec) {
      fail(l, ec);
      return;
    }
    sent(l, n);
    send_next(l);
    check_idle();
  };
  // asio waits for the socket to be writable, then sends.
  if (l.own_socket) {
    l.socket->async_send(asio::buffer(l.queue.front()), std::move(handler));
  } else {
    l.socket->async_send_to(asio::buffer(l.queue.front()), l.to, std::move(handler));
  }
}

void datagram_sender::sent(lane& l, std::size_t n) {
  l.retry_delay = first_retry_delay;
  ++stats_.sent_datagrams;
  stats_.sent_bytes += n;
  queued_bytes_ -= l.queue.front().size();
  l.queue.pop_front();
}

void datagram_sender::fail(lane& l, std::error_code ec) {
  l.failed = true;
  const std::size_t dropped = l.queue.size();
  for (const auto& d : l.queue)
    queued_bytes_ -= d.size();
  l.queue.clear();
  stats_.dropped_datagrams += dropped;
  if (on_failure_) on_failure_(l.to, ec, dropped);
  check_idle();
}

void datagram_sender::check_idle() {
  if (idle() && on_idle_) on_idle_();
}

}  // namespace wirekit::net
