#include "wirekit/net/memo_receive_loop.hpp"

namespace wirekit::net {

memo_receive_loop::memo_receive_loop(asio::io_context& io, memo_receive_config config)
    : engine_(config.receiver), socket_(io, config.where, config.socket), eviction_timer_(io) {}

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
  drain();
  arm_eviction_timer();
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
