#include "wirekit/memo/reassembly.hpp"

#include <algorithm>
#include <utility>

namespace wirekit::memo {

namespace {

// The most the zeroth gram's size hint reserves at once; beyond it the prefix doubles.
constexpr std::size_t max_prefix_reservation_bytes = std::size_t{16} << 20;

}  // namespace

reassembly::memo_state* reassembly::find(std::string_view mid) {
  const auto it = memos_.find(mid);
  return it == memos_.end() ? nullptr : &it->second;
}

bool reassembly::recently_completed(std::string_view mid) const {
  return completed_.contains(mid);
}

reassembly::memo_state& reassembly::open(std::string_view mid, std::string_view source, dialect d,
                                         clock::time_point now) {
  if (auto* m = find(mid)) return *m;
  if (now > latest_) latest_ = now;
  while (!memos_.empty() && memos_.size() >= limits_.max_pending_memos) {
    evict(memos_.at(by_age_.begin()->second), eviction_reason::pending_memos);
  }
  memo_state m;
  m.mid = std::string(mid);
  m.source = std::string(source);
  m.dia = d;
  m.first_seen = now;
  m.order = next_order_++;
  by_age_.emplace(m.order, m.mid);
  auto [it, inserted] = memos_.emplace(m.mid, std::move(m));
  (void)inserted;
  return it->second;
}

bool reassembly::reserve(memo_state& m, std::size_t n) {
  // Oldest first, but never the memo that asks: it is evicted only if it alone is too big.
  while (bytes_ + n > limits_.max_pending_bytes) {
    auto it = by_age_.begin();
    if (it != by_age_.end() && it->first == m.order) ++it;
    if (it == by_age_.end()) {
      evict(m, eviction_reason::pending_bytes);
      return false;
    }
    evict(memos_.at(it->second), eviction_reason::pending_bytes);
  }
  bytes_ += n;
  m.bytes += n;
  return true;
}

void reassembly::expect(memo_state& m, std::size_t total_bytes) {
  m.expected_bytes =
      std::min({total_bytes, max_prefix_reservation_bytes, limits_.max_pending_bytes});
}

bool reassembly::append_to_prefix(memo_state& m, byte_view body) {
  // Charged by the bytes written, as bodies are: pages reserved and not yet written are
  // not resident, so the budget still bounds what the table really holds.
  if (!reserve(m, body.size())) return false;
  const std::size_t needed = m.prefix.size() + body.size();
  if (needed > m.prefix.capacity())
    m.prefix.reserve(std::max({needed, m.expected_bytes, 2 * m.prefix.capacity()}));
  append(m.prefix, body);
  ++m.prefix_grams;
  return true;
}

bool reassembly::add_body(memo_state& m, std::uint32_t number, byte_view body, bool is_signed) {
  if (!reserve(m, per_gram_overhead_bytes)) return false;
  // Only once the zeroth gram has fixed the count and signing: nothing in the prefix can
  // then be dropped again by set_zeroth.
  if (m.count && number == m.prefix_grams) {
    if (!append_to_prefix(m, body)) return false;
    m.bodies.emplace(number, body_entry{{}, is_signed});
    // Grams that came early may now continue the prefix.
    for (auto it = m.bodies.find(m.prefix_grams);
         it != m.bodies.end() && it->first == m.prefix_grams; it = m.bodies.find(m.prefix_grams)) {
      const std::size_t was = it->second.body.size();
      bytes moved = std::move(it->second.body);
      it->second.body.clear();
      bytes_ -= was;
      m.bytes -= was;
      if (!append_to_prefix(m, moved)) return false;
    }
    return true;
  }
  if (!reserve(m, body.size())) return false;
  m.bodies.emplace(number, body_entry{bytes(body.begin(), body.end()), is_signed});
  return true;
}

bool reassembly::holds(const memo_state& m, std::uint32_t number) const {
  for (const auto& h : m.held)
    if (h.number == number) return true;
  return false;
}

reassembly::hold_result reassembly::hold(memo_state& m, std::uint32_t number, byte_view gram) {
  while (held_ >= limits_.max_held_grams) {
    // The oldest other memo still waiting for its zeroth gram gives up what it holds.
    memo_state* oldest = nullptr;
    for (const auto& [order, mid] : by_age_) {
      auto& candidate = memos_.at(mid);
      if (&candidate != &m && !candidate.held.empty()) {
        oldest = &candidate;
        break;
      }
    }
    if (!oldest) return hold_result::hold_full;
    evict(*oldest, eviction_reason::held_grams);
  }
  if (!reserve(m, gram.size() + per_gram_overhead_bytes)) return hold_result::too_large;
  m.held.push_back({number, bytes(gram.begin(), gram.end())});
  ++held_;
  return hold_result::held;
}

std::vector<reassembly::held_gram> reassembly::set_zeroth(memo_state& m, std::uint32_t count,
                                                          std::optional<verkey> key,
                                                          std::string vid, bool is_signed) {
  m.count = count;
  if (!m.is_signed) {
    m.is_signed = is_signed;
    m.key = key;
    m.vid = std::move(vid);
  }
  for (auto it = m.bodies.begin(); it != m.bodies.end();) {
    std::optional<drop_reason> why;
    if (it->first >= count)
      why = drop_reason::number_beyond_count;
    else if (it->second.is_signed != *m.is_signed)
      why = *m.is_signed ? drop_reason::unsigned_in_signed_memo
                         : drop_reason::signed_in_unsigned_memo;
    if (!why) {
      ++it;
      continue;
    }
    late_drops_.push_back({m.mid, it->first, *why});
    const std::size_t cost = it->second.body.size() + per_gram_overhead_bytes;
    bytes_ -= cost;
    m.bytes -= cost;
    it = m.bodies.erase(it);
  }
  std::vector<held_gram> released = std::move(m.held);
  m.held.clear();
  for (const auto& h : released) {
    const std::size_t cost = h.gram.size() + per_gram_overhead_bytes;
    bytes_ -= cost;
    m.bytes -= cost;
    --held_;
  }
  return released;
}

std::optional<completed_memo> reassembly::complete(memo_state& m) {
  if (!m.count || m.bodies.size() < *m.count) return std::nullopt;
  completed_memo out;
  out.mid = m.mid;
  if (m.is_signed.value_or(false)) out.vid = m.vid;
  out.dia = m.dia;
  out.source = m.source;
  out.grams = *m.count;
  // bodies holds exactly the numbers 0..count-1: later numbers are never stored. Those
  // below prefix_grams are joined in the prefix already.
  std::size_t total = m.prefix.size();
  for (const auto& [number, entry] : m.bodies)
    total += entry.body.size();
  out.memo = std::move(m.prefix);
  out.memo.reserve(total);
  for (auto it = m.bodies.lower_bound(m.prefix_grams); it != m.bodies.end(); ++it)
    append(out.memo, it->second.body);
  remember(m.mid, latest_);
  erase(m);
  return out;
}

void reassembly::remember(const std::string& mid, clock::time_point now) {
  completed_.insert(mid);
  completed_order_.emplace_back(mid, now);
  while (completed_order_.size() > limits_.remembered_memos) {
    completed_.erase(completed_order_.front().first);
    completed_order_.pop_front();
  }
}

void reassembly::expire(clock::time_point now) {
  if (now > latest_) latest_ = now;
  while (!by_age_.empty()) {
    auto& oldest = memos_.at(by_age_.begin()->second);
    if (now - oldest.first_seen < limits_.max_age) break;
    evict(oldest, eviction_reason::age);
  }
  while (!completed_order_.empty() && now - completed_order_.front().second >= limits_.max_age) {
    completed_.erase(completed_order_.front().first);
    completed_order_.pop_front();
  }
}

std::optional<clock::time_point> reassembly::next_deadline() const {
  if (by_age_.empty()) return std::nullopt;
  return memos_.at(by_age_.begin()->second).first_seen + limits_.max_age;
}

void reassembly::evict(memo_state& m, eviction_reason why) {
  evictions_.push_back({m.mid, why, m.bodies.size() + m.held.size()});
  erase(m);
}

void reassembly::erase(memo_state& m) {
  bytes_ -= m.bytes;
  held_ -= m.held.size();
  by_age_.erase(m.order);
  const std::string mid = m.mid;  // m dies with the erase below
  memos_.erase(mid);
}

std::vector<std::uint32_t> reassembly::numbers(std::string_view mid) const {
  std::vector<std::uint32_t> out;
  if (const auto it = memos_.find(mid); it != memos_.end())
    for (const auto& [number, entry] : it->second.bodies)
      out.push_back(number);
  return out;
}

std::vector<std::string> reassembly::pending_mids() const {
  std::vector<std::string> out;
  out.reserve(by_age_.size());
  for (const auto& [order, mid] : by_age_)
    out.push_back(mid);
  return out;
}

}  // namespace wirekit::memo
