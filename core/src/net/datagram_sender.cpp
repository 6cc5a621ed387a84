#include "wirekit/net/datagram_sender.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace wirekit::net {

namespace {

using namespace std::chrono_literals;

// Waits between retries of a datagram the kernel refused for now; doubled up to the max.
constexpr auto first_retry_delay = 1ms;
constexpr auto max_retry_delay = 64ms;
constexpr std::size_t max_sent_per_turn = 256;
// Datagrams per sendmmsg call.
constexpr std::size_t batch_datagrams = 64;

bool is_temporary(std::error_code ec) {
  // Compared as portable conditions: errno values from sendmmsg and asio's own codes alike.
  return ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory ||
         ec == std::errc::resource_unavailable_try_again || ec == std::errc::operation_would_block;
}

}  // namespace

struct datagram_sender::lane {
  explicit lane(asio::io_context& io) : retry_timer(io) {}
  datagram_address to;
  datagram_protocol::socket* socket = nullptr;
  std::unique_ptr<datagram_protocol::socket> own_socket;  // connected uxd socket
  std::deque<outgoing_datagram> queue;
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
  return push(to, std::span<bytes>(&datagram, 1));
}

push_result datagram_sender::push(const datagram_address& to, std::span<bytes> datagrams) {
  std::vector<outgoing_datagram> wrapped;
  wrapped.reserve(datagrams.size());
  for (auto& d : datagrams)
    wrapped.push_back({std::move(d), {}, nullptr});
  const auto r = push(to, std::span<outgoing_datagram>(wrapped));
  if (r != push_result::queued) {
    for (std::size_t i = 0; i < datagrams.size(); ++i)  // all or nothing: give them back
      datagrams[i] = std::move(wrapped[i].head);
  }
  return r;
}

push_result datagram_sender::push(const datagram_address& to,
                                  std::span<outgoing_datagram> datagrams) {
  std::size_t total = 0;
  for (const auto& d : datagrams)
    total += d.size();
  if (queued_bytes_ + total > limits_.max_queued_bytes && queued_bytes_ > 0) {
    return push_result::full;
  }
  lane* l = lane_for(to);
  if (!l) return push_result::too_many_destinations;
  if (l->failed) return push_result::destination_failed;
  queued_bytes_ += total;
  for (auto& d : datagrams)
    l->queue.push_back(std::move(d));
  if (!l->in_flight) send_next(*l);
  return push_result::queued;
}

std::error_code datagram_sender::send_ready(lane& l) {
  // sendmmsg: one system call for a run of datagrams (grams of one memo come in runs).
  std::array<::mmsghdr, batch_datagrams> messages{};
  std::array<::iovec, 2 * batch_datagrams> pieces{};  // head and tail of each
  const int fd = l.socket->native_handle();
  for (std::size_t done = 0; done < max_sent_per_turn && !l.queue.empty();) {
    const std::size_t n = std::min(l.queue.size(), batch_datagrams);
    for (std::size_t i = 0; i < n; ++i) {
      auto& d = l.queue[i];
      pieces[2 * i] = {d.head.data(), d.head.size()};
      pieces[2 * i + 1] = {const_cast<std::byte*>(d.tail.data()), d.tail.size()};
      auto& h = messages[i].msg_hdr;
      h = {};
      h.msg_iov = &pieces[2 * i];
      h.msg_iovlen = d.tail.empty() ? 1 : 2;
      if (!l.own_socket) {
        h.msg_name = const_cast<void*>(static_cast<const void*>(l.to.data()));
        h.msg_namelen = static_cast<socklen_t>(l.to.size());
      }
    }
    const int sent_now = ::sendmmsg(fd, messages.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent_now < 0) {
      if (errno == EINTR) continue;
      return std::error_code(errno, std::system_category());
    }
    for (int i = 0; i < sent_now; ++i)
      sent(l, messages[static_cast<std::size_t>(i)].msg_len);
    done += static_cast<std::size_t>(sent_now);
  }
  return {};
}

void datagram_sender::send_next(lane& l) {
  if (l.in_flight || l.failed) return;
  // Fast path: hand datagrams to the kernel directly while it takes them; only a refusal
  // (EAGAIN, ENOBUFS) makes us wait. Bounded so other lanes and handlers get their turn.
  if (const auto ec = send_ready(l); ec && !is_temporary(ec)) return fail(l, ec);
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
  const auto& d = l.queue.front();
  const std::array<asio::const_buffer, 2> parts{asio::buffer(d.head),
                                                asio::buffer(d.tail.data(), d.tail.size())};
  if (l.own_socket) {
    l.socket->async_send(parts, std::move(handler));
  } else {
    l.socket->async_send_to(parts, l.to, std::move(handler));
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
