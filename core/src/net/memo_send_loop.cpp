#include "wirekit/net/memo_send_loop.hpp"

#include <charconv>
#include <cmath>

namespace wirekit::net {

namespace {

// Grams handed to the datagram_sender ahead of the kernel; more waits in our own queue,
// where pacing can still hold it back.
constexpr std::size_t sender_high_water_bytes = 256 * 1024;
constexpr std::size_t max_run_grams = 64;

}  // namespace

std::optional<send_rate> parse_send_rate(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || !(value > 0) || !std::isfinite(value)) return std::nullopt;
  const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
  send_rate rate;
  rate.per_second = value;
  if (suffix.empty() || suffix == "g") return rate;
  rate.per = send_rate::unit::bytes;
  if (suffix == "B") return rate;
  if (suffix == "K") return rate.per_second *= 1024, rate;
  if (suffix == "M") return rate.per_second *= 1024 * 1024, rate;
  return std::nullopt;
}

memo_send_loop::memo_send_loop(asio::io_context& io, memo_send_config config)
    : config_(std::move(config)),
      to_(resolve_datagram(io, config_.to)),
      sender_(io, config_.from, config_.limits),
      pace_timer_(io),
      refilled_(std::chrono::steady_clock::now()) {
  sender_.on_failure([this](const datagram_address& to, std::error_code ec, std::size_t dropped) {
    failure_ = to_string(to) + ": " + ec.message();
    if (dropped > 0) *failure_ += " (" + std::to_string(dropped) + " grams not sent)";
    waiting_.clear();
    waiting_bytes_ = 0;
  });
  sender_.on_idle([this] { pump(); });
  if (config_.rate) tokens_ = cost_of(bytes(1));  // the first gram goes at once
}

memo::rend_result memo_send_loop::queue(byte_view memo, const std::optional<memo::mid_raw>& mid) {
  auto result = memo::rend(memo, config_.rend, mid ? *mid : memo::random_mid());
  if (result.status != memo::rend_status::ok || failure_) return result;
  ++stats_.memos;
  for (auto& gram : result.grams) {
    waiting_bytes_ += gram.size();
    waiting_.push_back(std::move(gram));
  }
  result.grams.clear();
  pump();
  return result;
}

double memo_send_loop::cost_of(const bytes& gram) const {
  return config_.rate->per == send_rate::unit::grams ? 1.0 : static_cast<double>(gram.size());
}

void memo_send_loop::pump() {
  // Grams go to the sender in runs, which it hands to the kernel with one system call each.
  std::vector<bytes> run;
  std::size_t run_bytes = 0;
  const auto hand_over = [&] {
    if (run.empty() || failure_) return !failure_;
    const auto pushed = sender_.push(to_, std::span<bytes>(run));
    if (pushed != push_result::queued) {
      if (!failure_) failure_ = to_string(to_) + ": cannot queue a gram";
      return false;
    }
    stats_.grams += run.size();
    stats_.bytes += run_bytes;
    run.clear();
    run_bytes = 0;
    return true;
  };
  while (!waiting_.empty() && !failure_) {
    if (sender_.queued_bytes() + run_bytes >= sender_high_water_bytes) {
      // The sender may take the run at once (then go on) or queue it (then on_idle calls
      // pump again).
      if (run.empty() || !hand_over() || sender_.queued_bytes() >= sender_high_water_bytes) return;
      continue;
    }
    if (config_.rate) {
      const auto now = std::chrono::steady_clock::now();
      const double elapsed = std::chrono::duration<double>(now - refilled_).count();
      refilled_ = now;
      const double cost = cost_of(waiting_.front());
      // A burst of at most one gram's worth: pacing means evenly spaced grams.
      tokens_ = std::min(tokens_ + elapsed * config_.rate->per_second, std::max(cost, 1.0));
      if (tokens_ < cost) {
        if (pace_armed_) break;
        pace_armed_ = true;
        const auto wait =
            std::chrono::duration<double>((cost - tokens_) / config_.rate->per_second);
        pace_timer_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(wait));
        pace_timer_.async_wait([this](std::error_code ec) {
          if (ec == asio::error::operation_aborted) return;
          pace_armed_ = false;
          pump();
        });
        break;
      }
      tokens_ -= cost;
    }
    run_bytes += waiting_.front().size();
    waiting_bytes_ -= waiting_.front().size();
    run.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    if (run.size() == max_run_grams && !hand_over()) return;
  }
  hand_over();
}

}  // namespace wirekit::net
