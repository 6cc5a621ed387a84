#include "wirekit/net/memo_send_loop.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>

#include "wirekit/common/hex.hpp"
#include "wirekit/memo/ed25519.hpp"

namespace wirekit::net {

namespace {

// Grams handed to the datagram_sender ahead of the kernel; more waits in our own queue,
// where pacing can still hold it back.
constexpr std::size_t sender_high_water_bytes = 256 * 1024;
constexpr std::size_t max_run_grams = 64;

// Sure mode needs a bound sending socket, so acks can come back: --from if given, else an
// ephemeral udp port on every address, or a fresh path in the temporary folder for uxd
// (removed again by the datagram_sender).
std::optional<endpoint> sending_endpoint(const memo_send_config& config,
                                         const datagram_address& to) {
  if (config.from || !config.sure) return config.from;
  endpoint e;
  const int family = to.protocol().family();
  if (family == AF_UNIX) {
    std::array<std::byte, 6> r{};
    memo::random_bytes(r);
    const std::string name = "memo-send-" + std::to_string(::getpid()) + "-" + to_hex(r);
    e.kind = endpoint_kind::unix_datagram;
    e.path = (std::filesystem::temp_directory_path() / (name + ".sock")).string();
  } else {
    e.kind = endpoint_kind::udp;
    e.host = family == AF_INET6 ? "::" : "0.0.0.0";
    e.port = 0;
  }
  return e;
}

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
      sender_(io, sending_endpoint(config_, to_), config_.limits),
      pace_timer_(io),
      refilled_(std::chrono::steady_clock::now()),
      destination_(to_string(to_)),
      sure_timer_(io) {
  sender_.on_failure([this](const datagram_address& to, std::error_code ec, std::size_t dropped) {
    failure_ = to_string(to) + ": " + ec.message();
    if (dropped > 0) *failure_ += " (" + std::to_string(dropped) + " grams not sent)";
    waiting_.clear();
    waiting_bytes_ = 0;
    if (sure_) {
      sure_->fail_destination(destination_, *failure_, memo::clock::now());
      after_engine();
    }
  });
  sender_.on_idle([this] { pump(); });
  if (config_.rate) tokens_ = cost_of(std::size_t{1});  // the first gram goes at once
  if (config_.sure) {
    sure_.emplace(*config_.sure);
    if (auto* socket = sender_.shared_socket(to_.protocol().family())) acks_.emplace(io, *socket);
    if (config_.test_loss > 0) test_loss_rng_.emplace(config_.test_loss_seed);
    receive_acks();
  }
}

memo_send_loop::~memo_send_loop() {
  *alive_ = false;
}

std::string memo_send_loop::ack_address() const {
  if (!acks_) return {};
  try {
    return to_string(acks_->local_address());
  } catch (const std::system_error&) {
    return {};
  }
}

bool memo_send_loop::can_queue(std::size_t memo_bytes) const {
  if (!sure_) return !busy();
  return sure_->can_add(memo_bytes) && sender_.queued_bytes() < sender_high_water_bytes;
}

void memo_send_loop::receive_acks() {
  // Read many per system call (recvmmsg); the grams they let go out are sent once the acks
  // ready now are all applied.
  if (!acks_) return;
  acks_->start([this](byte_view datagram, const datagram_address& source) {
    on_ack_datagram(datagram, source);
    if (ack_turn_posted_) return;
    ack_turn_posted_ = true;
    asio::post(acks_->socket().get_executor(), [this, alive = alive_] {
      if (!*alive) return;
      ack_turn_posted_ = false;
      pump();
      after_engine();
    });
  });
}

bool memo_send_loop::test_drop() {
  if (!test_loss_rng_) return false;
  return std::uniform_real_distribution<double>(0, 1)(*test_loss_rng_) < config_.test_loss;
}

void memo_send_loop::on_ack_datagram(byte_view datagram, const datagram_address& source) {
  if (test_drop()) return;
  // Acks come from one peer: its address is formatted once.
  if (!(source == ack_source_) || ack_source_text_.empty()) {
    ack_source_ = source;
    ack_source_text_ = to_string(source);
  }
  sure_->on_ack(datagram, ack_source_text_, memo::clock::now());
  // Outcomes go out at once: settled() may be true before the posted turn runs.
  while (auto outcome = sure_->poll_outcome()) {
    if (on_outcome_) on_outcome_(*outcome);
  }
}

void memo_send_loop::after_engine() {
  while (auto outcome = sure_->poll_outcome()) {
    if (on_outcome_) on_outcome_(*outcome);
  }
  const auto when = sure_->next_deadline();
  if (when == sure_timer_at_) return;
  sure_timer_at_ = when;
  if (!when) {
    sure_timer_.cancel();
    return;
  }
  sure_timer_.expires_at(*when);
  sure_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec == asio::error::operation_aborted) return;
    sure_timer_at_.reset();
    sure_->on_tick(memo::clock::now());
    pump();
    after_engine();
  });
}

memo::rend_result memo_send_loop::queue(byte_view memo, const std::optional<memo::mid_raw>& mid,
                                        std::uint64_t tag) {
  const memo::mid_raw id = mid ? *mid : memo::random_mid();
  auto result = memo::rend(memo, config_.rend, id);
  if (result.status != memo::rend_status::ok || failure_) return result;
  ++stats_.memos;
  if (sure_) {
    for (const auto& gram : result.grams) {
      ++stats_.grams;
      stats_.bytes += gram.size();
    }
    sure_->add(memo::mid_text("0A", id), destination_, std::move(result.grams),
               config_.rend.signer != nullptr, memo::clock::now(), tag);
    result.grams.clear();
    pump();
    after_engine();
    return result;
  }
  for (auto& gram : result.grams) {
    waiting_bytes_ += gram.size();
    waiting_.push_back({std::move(gram), {}, nullptr});
  }
  result.grams.clear();
  pump();
  return result;
}

memo::rend_result memo_send_loop::queue(std::shared_ptr<const bytes> memo,
                                        const std::optional<memo::mid_raw>& mid,
                                        std::uint64_t tag) {
  // Signed grams are signed whole and sure grams are kept by the engine: both are copied.
  if (sure_ || config_.rend.signer != nullptr) return queue(byte_view(*memo), mid, tag);
  const memo::mid_raw id = mid ? *mid : memo::random_mid();
  auto rc = config_.rend;
  rc.bodies_in_memo = true;
  auto result = memo::rend(*memo, rc, id);
  if (result.status != memo::rend_status::ok || failure_) return result;
  ++stats_.memos;
  for (std::size_t k = 0; k < result.grams.size(); ++k) {
    outgoing_datagram d{std::move(result.grams[k]), result.bodies[k], memo};
    waiting_bytes_ += d.size();
    waiting_.push_back(std::move(d));
  }
  result.grams.clear();
  result.bodies.clear();
  pump();
  return result;
}

double memo_send_loop::cost_of(const outgoing_datagram& gram) const {
  return cost_of(gram.size());
}

double memo_send_loop::cost_of(std::size_t gram_bytes) const {
  return config_.rate->per == send_rate::unit::grams ? 1.0 : static_cast<double>(gram_bytes);
}

// Takes `cost` from the token bucket, or arms the pacing timer and says no.
bool memo_send_loop::pace(double cost) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(tokens_ + elapsed * config_.rate->per_second, std::max(cost, 1.0));
  if (tokens_ >= cost) {
    tokens_ -= cost;
    return true;
  }
  if (pace_armed_) return false;
  pace_armed_ = true;
  const auto wait = std::chrono::duration<double>((cost - tokens_) / config_.rate->per_second);
  pace_timer_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(wait));
  pace_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec == asio::error::operation_aborted) return;
    pace_armed_ = false;
    pump();
  });
  return false;
}

void memo_send_loop::pump_sure() {
  // Sure grams are paced by size of the largest gram (their size is known only when taken).
  const double cost = config_.rate ? cost_of(memo::effective_size(config_.rend)) : 0;
  // Copies (the engine keeps its grams until acked) go to the sender in runs, handed to
  // the kernel with one system call each, as in the plain path.
  std::vector<bytes> run;
  std::size_t run_bytes = 0;
  const auto hand_over = [&] {
    if (run.empty() || failure_) return !failure_;
    if (sender_.push(to_, std::span<bytes>(run)) != push_result::queued) {
      if (!failure_) failure_ = to_string(to_) + ": cannot queue a gram";
      return false;
    }
    run.clear();
    run_bytes = 0;
    return true;
  };
  while (!failure_ && sender_.queued_bytes() + run_bytes < sender_high_water_bytes) {
    if (config_.rate && !pace(cost)) break;
    const auto gram = sure_->next(memo::clock::now());
    if (!gram) {
      if (config_.rate) tokens_ += cost;  // not spent
      break;
    }
    if (test_drop()) continue;
    run.emplace_back(gram->gram.begin(), gram->gram.end());
    run_bytes += run.back().size();
    if (run.size() == max_run_grams && !hand_over()) return;
  }
  hand_over();
}

void memo_send_loop::pump() {
  if (sure_) {
    pump_sure();
    after_engine();
    return;
  }
  // Grams go to the sender in runs, which it hands to the kernel with one system call each.
  std::vector<outgoing_datagram> run;
  std::size_t run_bytes = 0;
  const auto hand_over = [&] {
    if (run.empty() || failure_) return !failure_;
    const auto pushed = sender_.push(to_, std::span<outgoing_datagram>(run));
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
    // A burst of at most one gram's worth: pacing means evenly spaced grams.
    if (config_.rate && !pace(cost_of(waiting_.front()))) break;
    run_bytes += waiting_.front().size();
    waiting_bytes_ -= waiting_.front().size();
    run.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    if (run.size() == max_run_grams && !hand_over()) return;
  }
  hand_over();
}

}  // namespace wirekit::net
