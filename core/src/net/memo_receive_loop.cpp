#include "wirekit/net/memo_receive_loop.hpp"

namespace wirekit::net {

namespace {

// Distinct senders answered per batch of datagrams; grams from more wait for the next one.
constexpr std::size_t max_ack_addresses = 1024;

}  // namespace

memo_receive_loop::memo_receive_loop(asio::io_context& io, memo_receive_config config)
    : engine_(config.receiver, config.acks),
      socket_(io, config.where, config.socket),
      eviction_timer_(io),
      io_(io) {}

void memo_receive_loop::start(memo_handler on_memo, drop_handler on_drop, event_handler on_event) {
  on_memo_ = std::move(on_memo);
  on_drop_ = std::move(on_drop);
  on_event_ = std::move(on_event);
  running_ = true;
  socket_.start([this](byte_view d, const datagram_address& source) { on_datagram(d, source); },
                [this](std::error_code) { ++socket_errors_; });
}

void memo_receive_loop::stop() {
  running_ = false;
  socket_.stop();
  eviction_timer_.cancel();
}

void memo_receive_loop::on_datagram(byte_view datagram, const datagram_address& source) {
  // Grams come in runs from one sender: format its address once per run.
  if (!(source == last_source_) || last_source_text_.empty()) {
    last_source_ = source;
    last_source_text_ = to_string(source);
  }
  const auto report = engine_.on_gram(datagram, last_source_text_, memo::clock::now());
  if (report.status == memo::gram_status::dropped && on_drop_) on_drop_(report, last_source_text_);
  if (report.sure && report.status != memo::gram_status::dropped &&
      ack_addresses_.size() < max_ack_addresses) {
    ack_addresses_.try_emplace(last_source_text_, source);
    // Acks go out once the datagrams ready now are handled: one per memo, not per gram.
    if (!acks_posted_) {
      acks_posted_ = true;
      asio::post(io_, [this] { send_acks(); });
    }
  }
  drain();
  arm_eviction_timer();
}

void memo_receive_loop::send_acks() {
  acks_posted_ = false;
  // Also after stop(): the memo that ended the run (--count) is acked too.
  while (auto ack = engine_.poll_ack()) {
    const auto it = ack_addresses_.find(ack->destination);
    // An unbound unix sender has no address to answer.
    if (it == ack_addresses_.end() || ack->destination == "uxd:") {
      ++acks_unsent_;
      continue;
    }
    std::error_code ec;
    socket_.socket().send_to(asio::buffer(ack->gram), it->second, 0, ec);
    // Acks are never queued: a lost one is made good by the next.
    ++(ec ? acks_unsent_ : acks_sent_);
  }
  ack_addresses_.clear();
}

void memo_receive_loop::drain() {
  while (auto event = engine_.poll_event()) {
    if (on_event_) on_event_(*event);
  }
  // A callback may stop the loop (--count reached): memos after that stay undelivered.
  while (running_) {
    auto memo = engine_.poll_memo();
    if (!memo) break;
    on_memo_(*memo);
  }
}

void memo_receive_loop::arm_eviction_timer() {
  const auto deadline = engine_.next_deadline();
  if (!deadline || !running_) return;
  if (eviction_timer_.expiry() == *deadline) return;
  eviction_timer_.expires_at(*deadline);
  eviction_timer_.async_wait([this](std::error_code ec) {
    if (ec == asio::error::operation_aborted || !running_) return;
    engine_.on_tick(memo::clock::now());
    drain();
    arm_eviction_timer();
  });
}

}  // namespace wirekit::net
