#include "wirekit/memo/sure_sender.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "wirekit/memo/ack.hpp"
#include "wirekit/memo/pick.hpp"

namespace wirekit::memo {

namespace {

// MIDs of finished memos remembered, so their late acks are told from unknown ones.
constexpr std::size_t remembered_finished = 4096;

// Grams a round trip must lose before its share of losses can shrink the window.
constexpr std::size_t min_lost_to_shrink = 4;

double seconds(clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::string_view to_string(ack_status s) {
  switch (s) {
    case ack_status::applied:
      return "applied";
    case ack_status::no_news:
      return "no_news";
    case ack_status::not_ack:
      return "not_ack";
    case ack_status::malformed:
      return "malformed";
    case ack_status::unknown_mid:
      return "unknown_mid";
    case ack_status::late:
      return "late";
    case ack_status::wrong_source:
      return "wrong_source";
    case ack_status::unsigned_ack:
      return "unsigned_ack";
    case ack_status::untrusted_vid:
      return "untrusted_vid";
    case ack_status::bad_signature:
      return "bad_signature";
  }
  return "?";
}

sure_sender::sure_sender(sure_config config) : config_(std::move(config)) {
  config_.min_window = std::max<std::size_t>(config_.min_window, 1);
  config_.max_window = std::max(config_.max_window, config_.min_window);
  config_.initial_window =
      std::clamp(config_.initial_window, config_.min_window, config_.max_window);
}

bool sure_sender::can_add(std::size_t gram_bytes) const {
  if (memos_.empty()) return true;
  return memos_.size() < config_.max_memos && held_bytes_ + gram_bytes <= config_.max_bytes;
}

sure_sender::destination* sure_sender::destination_for(std::string_view name) {
  if (const auto it = dests_.find(name); it != dests_.end()) return &it->second;
  if (dests_.size() >= config_.max_destinations) return nullptr;
  destination d;
  d.name = std::string(name);
  d.cwnd = static_cast<double>(config_.initial_window);
  d.rto = config_.initial_rto;
  return &dests_.emplace(d.name, std::move(d)).first->second;
}

const sure_sender::destination* sure_sender::find_destination(std::string_view name) const {
  const auto it = dests_.find(name);
  return it == dests_.end() ? nullptr : &it->second;
}

std::size_t sure_sender::window(std::string_view name) const {
  const auto* d = find_destination(name);
  return d ? static_cast<std::size_t>(d->cwnd) : config_.initial_window;
}

std::size_t sure_sender::in_flight(std::string_view name) const {
  const auto* d = find_destination(name);
  return d ? d->in_flight : 0;
}

clock::duration sure_sender::rto(std::string_view name) const {
  const auto* d = find_destination(name);
  return d ? d->rto : config_.initial_rto;
}

add_status sure_sender::add(std::string mid, std::string destination_name, std::vector<bytes> grams,
                            bool is_signed, clock::time_point now, std::uint64_t tag) {
  std::size_t total = 0;
  for (const auto& g : grams)
    total += g.size();
  if (!can_add(total)) return add_status::full;
  if (by_mid_.contains(mid)) return add_status::duplicate_mid;
  destination* d = destination_for(destination_name);
  if (!d) return add_status::too_many_destinations;
  if (grams.empty()) {
    ++stats_.delivered;
    outcomes_.push_back({tag, std::move(mid), d->name, true, {}, 0, 0, {}});
    return add_status::added;
  }
  const std::uint64_t id = next_id_++;
  memo_entry& m = memos_[id];
  m.id = id;
  m.tag = tag;
  m.mid = std::move(mid);
  m.dest = d;
  m.slots.resize(grams.size());
  m.unacked = grams.size();
  m.held = total;
  m.grams = std::move(grams);
  m.is_signed = is_signed;
  m.started = now;
  if (config_.deadline > clock::duration::zero()) m.deadline = now + config_.deadline;
  for (std::uint32_t n = 0; n < m.grams.size(); ++n)
    m.ready.push_back(n);
  by_mid_.emplace(m.mid, id);
  held_bytes_ += total;
  enqueue(m, false);
  return add_status::added;
}

void sure_sender::enqueue(memo_entry& m, bool front) {
  auto& q = m.dest->sending;
  if (m.queued) {
    if (!front || (!q.empty() && q.front() == m.id)) return;
    // Already queued further back: it moves ahead (the stale entry is skipped later).
  }
  m.queued = true;
  if (front)
    q.push_front(m.id);
  else
    q.push_back(m.id);
}

std::optional<outgoing_gram> sure_sender::next(clock::time_point now) {
  if (dests_.empty()) return std::nullopt;
  // Destinations take turns, starting after the one served last.
  auto start = dests_.upper_bound(last_served_);
  for (std::size_t i = 0; i < dests_.size(); ++i, ++start) {
    if (start == dests_.end()) start = dests_.begin();
    destination& d = start->second;
    while (!d.sending.empty()) {
      if (static_cast<double>(d.in_flight) + 1 > std::max(d.cwnd, 1.0) ||
          d.in_flight_bytes >= config_.max_window_bytes)
        break;
      const auto it = memos_.find(d.sending.front());
      if (it == memos_.end()) {
        d.sending.pop_front();
        continue;
      }
      memo_entry& m = it->second;
      while (!m.ready.empty() && m.slots[m.ready.front()].state != slot_state::waiting)
        m.ready.pop_front();
      while (!m.resend.empty() && m.slots[*m.resend.begin()].state != slot_state::waiting)
        m.resend.erase(m.resend.begin());
      if (m.ready.empty() && m.resend.empty()) {
        d.sending.pop_front();
        // A stale duplicate entry of this memo may remain further back; skipped there.
        if (std::find(d.sending.begin(), d.sending.end(), m.id) == d.sending.end())
          m.queued = false;
        continue;
      }
      // Lost grams first, lowest number first (gram 0 may be what the receiver waits for).
      std::uint32_t n = 0;
      if (!m.resend.empty()) {
        n = *m.resend.begin();
        m.resend.erase(m.resend.begin());
      } else {
        n = m.ready.front();
        m.ready.pop_front();
      }
      slot& s = m.slots[n];
      if (s.sends > 0) {
        ++m.retransmissions;
        ++stats_.retransmissions;
      }
      ++s.sends;
      s.state = slot_state::in_flight;
      s.seq = next_seq_++;
      s.sent_at = now;
      m.last_sent = now;
      m.flight.emplace_back(n, s.seq);
      ++d.in_flight;
      d.in_flight_bytes += m.grams[n].size();
      ++stats_.grams_sent;
      last_served_ = d.name;
      return outgoing_gram{d.name, m.grams[n]};
    }
  }
  return std::nullopt;
}

void sure_sender::shrink(destination& d) {
  d.cwnd = std::max(static_cast<double>(config_.min_window), d.cwnd / 2);
  d.ssthresh = d.cwnd;
}

void sure_sender::end_round(destination& d, std::uint64_t top_seq) {
  if (top_seq <= d.round_end_seq) return;
  // A few grams lost in a small window say little; an overrun loses many at once.
  // The share is of the grams whose fate this round told (acked or found lost), not of
  // those sent in it: at a memo's end few are sent while a whole window's losses show.
  if (d.round_lost >= min_lost_to_shrink &&
      static_cast<double>(d.round_lost) >
          config_.loss_tolerance * static_cast<double>(d.round_acked + d.round_lost))
    shrink(d);
  d.round_acked = 0;
  d.round_lost = 0;
  d.round_end_seq = next_seq_ - 1;
}

void sure_sender::lose(memo_entry& m, const std::vector<std::uint32_t>& numbers, bool timeout) {
  destination& d = *m.dest;
  bool fresh_timeout = false;
  for (auto it = numbers.rbegin(); it != numbers.rend(); ++it) {
    slot& s = m.slots[*it];
    if (s.state != slot_state::in_flight) continue;
    s.state = slot_state::waiting;
    --d.in_flight;
    d.in_flight_bytes -= m.grams[*it].size();
    ++d.round_lost;
    if (s.seq > d.recovery_seq) fresh_timeout = timeout;
    m.resend.insert(*it);
  }
  if (fresh_timeout) {
    // Once per round trip of timeouts: grams sent before this point belong to the same one.
    shrink(d);
    d.recovery_seq = next_seq_ - 1;
  }
  enqueue(m, true);
}

void sure_sender::sample_rtt(destination& d, clock::duration r) {
  if (!d.have_rtt) {
    d.srtt = r;
    d.rttvar = r / 2;
    d.have_rtt = true;
  } else {
    const auto diff = d.srtt > r ? d.srtt - r : r - d.srtt;
    d.rttvar = (3 * d.rttvar + diff) / 4;
    d.srtt = (7 * d.srtt + r) / 8;
  }
  d.rto = std::clamp(d.srtt + 4 * d.rttvar, config_.min_rto, config_.max_rto);
}

clock::duration sure_sender::memo_rto(const memo_entry& m) const {
  auto r = m.dest->rto;
  for (unsigned i = 0; i < m.timeouts && r < config_.max_rto; ++i)
    r *= 2;
  return std::min(r, std::max(config_.max_rto, m.dest->rto));
}

void sure_sender::acked(memo_entry& m, std::uint32_t n, clock::time_point now,
                        std::uint64_t& top_seq, std::optional<clock::duration>& sample) {
  slot& s = m.slots[n];
  if (s.state == slot_state::acked) return;
  if (s.state == slot_state::in_flight) {
    --m.dest->in_flight;
    m.dest->in_flight_bytes -= m.grams[n].size();
    top_seq = std::max(top_seq, s.seq);
    // Karn: only grams sent once give a round trip that is surely theirs.
    if (s.sends == 1 && now >= s.sent_at) sample = now - s.sent_at;
  }
  s.state = slot_state::acked;
  --m.unacked;
  // Its bytes are no longer needed for retransmission.
  held_bytes_ -= m.grams[n].size();
  m.held -= m.grams[n].size();
  bytes().swap(m.grams[n]);
}

ack_status sure_sender::ignore(memo_entry* m, ack_status why) {
  ++stats_.acks[static_cast<std::size_t>(why)];
  if (m) {
    ++m->ignored_acks;
    m->last_ignored = why;
  }
  return why;
}

ack_status sure_sender::on_ack(byte_view datagram, std::string_view source, clock::time_point now) {
  const pick_result p = pick(datagram);
  const gram_fields& g = p.fields;
  if (!p.ok() || g.code->kind != gram_kind::ack) return ignore(nullptr, ack_status::not_ack);
  const auto found = by_mid_.find(g.mid);
  if (found == by_mid_.end())
    return ignore(nullptr, finished_.contains(g.mid) ? ack_status::late : ack_status::unknown_mid);
  memo_entry& m = memos_.at(found->second);
  if (source != m.dest->name) return ignore(&m, ack_status::wrong_source);
  if (g.is_signed()) {
    std::optional<verkey> key = own_verkey(g);
    if (!key && config_.trust)
      if (const verkey* k = config_.trust->find(g.vid)) key = *k;
    const bool listed = config_.ack_vids.empty() ||
                        std::find(config_.ack_vids.begin(), config_.ack_vids.end(), g.vid) !=
                            config_.ack_vids.end();
    if (!key || !listed) return ignore(&m, ack_status::untrusted_vid);
    if (!verify(*key, g.signed_part, *g.sig)) return ignore(&m, ack_status::bad_signature);
  } else if (m.is_signed) {
    return ignore(&m, ack_status::unsigned_ack);
  }
  const auto body = decode_ack_body(g.body, g.number);
  if (body.error) return ignore(&m, ack_status::malformed);
  const ack_info& info = body.info;

  const std::size_t before = m.unacked;
  std::uint64_t top_seq = 0;
  std::optional<clock::duration> sample;
  const auto count = static_cast<std::uint32_t>(m.slots.size());
  const std::uint32_t below = info.complete ? count : std::min(info.below, count);
  // Grams below acked_below were acked before: an ack per few grams must not walk them all.
  for (std::uint32_t n = m.acked_below; n < below; ++n)
    acked(m, n, now, top_seq, sample);
  m.acked_below = std::max(m.acked_below, below);
  for (const auto& [first, last] : info.ranges) {
    if (first >= count) break;
    for (std::uint32_t n = first; n <= std::min(last, count - 1); ++n)
      acked(m, n, now, top_seq, sample);
  }
  const std::size_t newly = before - m.unacked;
  if (newly == 0) {
    ++stats_.acks[static_cast<std::size_t>(ack_status::no_news)];
    return ack_status::no_news;
  }
  ++stats_.acks[static_cast<std::size_t>(ack_status::applied)];
  destination& d = *m.dest;
  d.round_acked += newly;
  m.timeouts = 0;
  m.probes = 0;
  if (sample) sample_rtt(d, *sample);
  if (d.cwnd < d.ssthresh)
    d.cwnd += static_cast<double>(newly);
  else
    d.cwnd += static_cast<double>(newly) / d.cwnd;
  d.cwnd = std::min(d.cwnd, static_cast<double>(config_.max_window));

  if (m.unacked == 0) {
    finish(m, true, {}, now);
    end_round(d, top_seq);
    return ack_status::applied;
  }
  // Grams sent well before one that was acked are taken as lost and sent again now; once
  // the memo has nothing new to send, any later gram acked will do (a lost last gram would
  // otherwise wait for the timeout).
  const std::size_t threshold = m.ready.empty() ? 1 : config_.reorder_threshold;
  std::vector<std::uint32_t> lost;
  while (!m.flight.empty()) {
    const auto [n, seq] = m.flight.front();
    const slot& s = m.slots[n];
    if (s.state != slot_state::in_flight || s.seq != seq) {
      m.flight.pop_front();
      continue;
    }
    if (seq + threshold > top_seq) break;
    lost.push_back(n);
    m.flight.pop_front();
  }
  if (!lost.empty()) {
    stats_.fast_retransmissions += lost.size();
    lose(m, lost, false);
  }
  end_round(d, top_seq);
  return ack_status::applied;
}

std::optional<clock::time_point> sure_sender::timeout_of(const memo_entry& m) const {
  for (const auto& [n, seq] : m.flight) {
    const slot& s = m.slots[n];
    if (s.state == slot_state::in_flight && s.seq == seq) return s.sent_at + memo_rto(m);
  }
  return std::nullopt;
}

std::optional<clock::time_point> sure_sender::probe_of(const memo_entry& m) const {
  const destination& d = *m.dest;
  // Also a memo with grams still to send: when the window is full and the acks of the
  // grams in flight are lost, nothing else would come before the timeout.
  if (m.probes >= config_.max_probes || !d.have_rtt || m.unacked == 0) return std::nullopt;
  const auto pto = std::max(2 * d.srtt, config_.min_probe_timeout) * (1 << std::min(m.probes, 16u));
  const auto at = m.last_sent + pto;
  // The timeout comes first: it resends the grams anyway.
  if (const auto rto_at = timeout_of(m); !rto_at || *rto_at <= at) return std::nullopt;
  return at;
}

void sure_sender::probe(memo_entry& m) {
  // The newest grams in flight go again (not taken for lost: the window is not touched).
  // Two: at a memo's end the newest may be a retransmission sent after the lost last gram.
  std::size_t taken = 0;
  for (auto it = m.flight.rbegin(); it != m.flight.rend() && taken < config_.probe_grams; ++it) {
    const auto [n, seq] = *it;
    slot& s = m.slots[n];
    if (s.state != slot_state::in_flight || s.seq != seq) continue;
    s.state = slot_state::waiting;
    --m.dest->in_flight;
    m.dest->in_flight_bytes -= m.grams[n].size();
    m.resend.insert(n);
    ++taken;
  }
  if (taken == 0) return;
  ++m.probes;
  ++stats_.tail_probes;
  enqueue(m, true);
}

void sure_sender::on_tick(clock::time_point now) {
  std::vector<std::uint64_t> ids;
  ids.reserve(memos_.size());
  for (const auto& [id, m] : memos_)
    ids.push_back(id);
  for (const std::uint64_t id : ids) {
    const auto it = memos_.find(id);
    if (it == memos_.end()) continue;
    memo_entry& m = it->second;
    if (m.deadline && now >= *m.deadline) {
      finish(m, false,
             fmt::format("deadline: {} of {} grams unacknowledged after {:.1f} s", m.unacked,
                         m.slots.size(), seconds(now - m.started)),
             now);
      continue;
    }
    const auto due = timeout_of(m);
    if (!due || now < *due) {
      if (const auto probe_at = probe_of(m); probe_at && now >= *probe_at) probe(m);
      continue;
    }
    ++stats_.timeouts;
    const auto rto = memo_rto(m);
    std::uint64_t oldest = 0;
    for (const auto& [n, seq] : m.flight)
      if (m.slots[n].state == slot_state::in_flight && m.slots[n].seq == seq) {
        oldest = seq;
        break;
      }
    // A gram sent before the previous timeout that expires now is part of the same trouble,
    // not a further retry: only timeouts of grams sent since count.
    const bool counts = oldest > m.timeout_mark;
    if (counts) m.timeout_mark = next_seq_ - 1;
    if (counts && ++m.timeouts > config_.retries) {
      std::string why = fmt::format("unacknowledged: {} of {} grams after {} retries", m.unacked,
                                    m.slots.size(), config_.retries);
      if (m.ignored_acks > 0)
        why +=
            fmt::format(" ({} acks ignored, last: {})", m.ignored_acks, to_string(m.last_ignored));
      else if (m.unacked == m.slots.size())
        why += " (no ack received)";
      finish(m, false, std::move(why), now);
      continue;
    }
    // The grams of this memo in flight for longer than the timeout go again, in number
    // order; those sent later keep their own time (a late timeout is often a slow ack).
    std::vector<std::uint32_t> lost;
    while (!m.flight.empty()) {
      const auto [n, seq] = m.flight.front();
      const slot& s = m.slots[n];
      if (s.state == slot_state::in_flight && s.seq == seq) {
        if (s.sent_at + rto > now && !lost.empty()) break;  // rto: before this timeout
        lost.push_back(n);
      }
      m.flight.pop_front();
    }
    std::sort(lost.begin(), lost.end());
    lose(m, lost, true);
  }
}

std::optional<clock::time_point> sure_sender::next_deadline() const {
  std::optional<clock::time_point> first;
  const auto consider = [&](std::optional<clock::time_point> t) {
    if (t && (!first || *t < *first)) first = t;
  };
  for (const auto& [id, m] : memos_) {
    consider(m.deadline);
    consider(timeout_of(m));
    consider(probe_of(m));
  }
  return first;
}

void sure_sender::fail_destination(std::string_view name, const std::string& reason,
                                   clock::time_point now) {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, m] : memos_)
    if (m.dest->name == name) ids.push_back(id);
  for (const std::uint64_t id : ids)
    finish(memos_.at(id), false, reason, now);
}

void sure_sender::finish(memo_entry& m, bool delivered, std::string reason, clock::time_point now) {
  destination& d = *m.dest;
  for (std::uint32_t n = 0; n < m.slots.size(); ++n) {
    if (m.slots[n].state != slot_state::in_flight) continue;
    --d.in_flight;
    d.in_flight_bytes -= m.grams[n].size();
  }
  held_bytes_ -= m.held;
  memo_outcome out;
  out.tag = m.tag;
  out.mid = m.mid;
  out.destination = d.name;
  out.delivered = delivered;
  out.reason = std::move(reason);
  out.grams = static_cast<std::uint32_t>(m.slots.size());
  out.retransmissions = m.retransmissions;
  out.elapsed = now - m.started;
  ++(delivered ? stats_.delivered : stats_.failed);
  outcomes_.push_back(std::move(out));
  finished_.insert(m.mid);
  finished_order_.push_back(m.mid);
  while (finished_order_.size() > remembered_finished) {
    finished_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
  by_mid_.erase(m.mid);
  memos_.erase(m.id);  // m dies here; stale ids in d.sending are skipped
}

std::optional<memo_outcome> sure_sender::poll_outcome() {
  if (outcomes_.empty()) return std::nullopt;
  auto o = std::move(outcomes_.front());
  outcomes_.pop_front();
  return o;
}

}  // namespace wirekit::memo
