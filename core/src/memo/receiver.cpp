#include "wirekit/memo/receiver.hpp"

#include <algorithm>
#include <numeric>

namespace wirekit::memo {

namespace {

// Events are also counted in the stats, so when nobody polls them the oldest go.
constexpr std::size_t max_queued_events = 4096;
// A signature in its longest form (qb64 text, 88 characters).
constexpr std::size_t max_signature_bytes = 88;

}  // namespace

std::string_view to_string(gram_status s) {
  switch (s) {
    case gram_status::accepted:
      return "accepted";
    case gram_status::held:
      return "held";
    case gram_status::duplicate:
      return "duplicate";
    case gram_status::dropped:
      return "dropped";
  }
  return "?";
}

std::string_view to_string(signature_check s) {
  switch (s) {
    case signature_check::none:
      return "none";
    case signature_check::valid:
      return "valid";
    case signature_check::pending:
      return "pending";
    case signature_check::failed:
      return "failed";
  }
  return "?";
}

std::uint64_t receiver_stats::dropped_total() const {
  return std::accumulate(dropped.begin(), dropped.end(), std::uint64_t{0});
}

std::uint64_t receiver_stats::evicted_total() const {
  return std::accumulate(evicted.begin(), evicted.end(), std::uint64_t{0});
}

receiver::receiver(receiver_config config, ack_config acks)
    : config_(config), table_(config.limits), acks_(std::move(acks), config.limits) {}

void receiver::drop(gram_report& r, drop_reason why) {
  r.status = gram_status::dropped;
  r.reason = why;
  ++stats_.dropped[static_cast<std::size_t>(why)];
}

void receiver::count_drop(drop_reason why) {
  ++stats_.received;
  ++stats_.dropped[static_cast<std::size_t>(why)];
}

void receiver::collect_events() {
  for (auto& d : table_.take_late_drops()) {
    ++stats_.dropped[static_cast<std::size_t>(d.reason)];
    events_.emplace_back(std::move(d));
  }
  for (auto& e : table_.take_evictions()) {
    ++stats_.evicted[static_cast<std::size_t>(e.reason)];
    events_.emplace_back(std::move(e));
  }
  while (events_.size() > max_queued_events)
    events_.pop_front();
}

std::optional<verkey> receiver::verkey_for(const gram_fields& g) const {
  if (auto own = own_verkey(g)) return own;
  if (config_.trust)
    if (const verkey* k = config_.trust->find(g.vid)) return *k;
  return std::nullopt;
}

void receiver::on_tick(clock::time_point now) {
  table_.expire(now);
  acks_.expire(now);
  collect_events();
}

std::optional<completed_memo> receiver::poll_memo() {
  if (memos_.empty()) return std::nullopt;
  auto m = std::move(memos_.front());
  memos_.pop_front();
  return m;
}

std::optional<outgoing_ack> receiver::poll_ack() {
  auto a = acks_.take(table_);
  if (a) ++stats_.acks;
  return a;
}

std::optional<receiver_event> receiver::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

gram_report receiver::on_gram(byte_view gram, std::string_view source, clock::time_point now) {
  ++stats_.received;
  table_.expire(now);
  acks_.expire(now);
  gram_report r;
  const pick_result p = pick(gram, config_.authic);
  const gram_fields& g = p.fields;
  if (g.code) {
    r.parsed = p.ok();
    r.dia = g.dia;
    r.frm = g.frm;
    r.code = g.code->text;
    r.code_name = g.code->name;
    r.sure = g.code->sure;
  }
  if (!p.ok()) {
    drop(r, *p.reason);
    collect_events();
    return r;
  }
  r.zeroth = g.is_zeroth();
  r.number = g.number;
  r.count = g.count;
  r.mid = g.mid;
  r.vid = g.vid;
  r.body_bytes = g.body.size();

  if (g.code->kind == gram_kind::ack) {
    drop(r, drop_reason::ack_unexpected);
  } else if (!g.is_zeroth() && g.number == 0) {
    drop(r, drop_reason::bad_number);  // a later code claiming to be gram 0
  } else if (table_.recently_completed(g.mid)) {
    r.status = gram_status::duplicate;
    ++stats_.duplicates;
  } else if (!g.is_signed()) {
    if (g.is_zeroth())
      accept_zeroth(r, g, std::nullopt, now, source);
    else
      accept_later(r, g, false, now, source);
  } else if (g.vid_raw) {
    // The gram names its verifier: a zeroth gram, or any signed legacy gram.
    const auto key = verkey_for(g);
    if (!key) {
      r.sig = signature_check::failed;
      drop(r, drop_reason::unknown_vid);
    } else if (!verify(*key, g.signed_part, *g.sig)) {
      r.sig = signature_check::failed;
      drop(r, drop_reason::bad_signature);
    } else {
      r.sig = signature_check::valid;
      if (g.is_zeroth())
        accept_zeroth(r, g, key, now, source);
      else
        accept_later(r, g, true, now, source);
    }
  } else if (auto* m = table_.find(g.mid); m && m->count) {
    // A signed later gram of a memo whose zeroth gram is known.
    if (!m->is_signed.value_or(false)) {
      drop(r, drop_reason::signed_in_unsigned_memo);
    } else if (!verify(*m->key, g.signed_part, *g.sig)) {
      r.sig = signature_check::failed;
      drop(r, drop_reason::bad_signature);
    } else {
      r.sig = signature_check::valid;
      accept_later(r, g, true, now, source);
    }
  } else {
    // Its verkey comes with the zeroth gram: hold it (bounded) instead of losing it.
    r.sig = signature_check::pending;
    auto& memo = table_.open(g.mid, source, g.dia, now);
    const bool same = std::any_of(memo.held.begin(), memo.held.end(), [&](const auto& h) {
      return std::equal(h.gram.begin(), h.gram.end(), gram.begin(), gram.end());
    });
    if (same) {
      r.status = gram_status::duplicate;
      ++stats_.duplicates;
    } else {
      switch (table_.hold(memo, g.number, gram)) {
        case reassembly::hold_result::held:
          r.status = gram_status::held;
          ++stats_.held;
          break;
        case reassembly::hold_result::hold_full:
          drop(r, drop_reason::hold_full);
          break;
        case reassembly::hold_result::too_large:
          drop(r, drop_reason::memo_too_large);
          break;
      }
    }
  }
  if (r.sure) note_sure(r, g, source, now);
  collect_events();
  return r;
}

void receiver::note_sure(const gram_report& r, const gram_fields& g, std::string_view source,
                         clock::time_point now) {
  if (r.completed && !memos_.empty() && memos_.back().mid == g.mid)
    acks_.delivered(g.mid, memos_.back().grams, memos_.back().vid.has_value(), now);
  if (r.status != gram_status::accepted && r.status != gram_status::duplicate) return;
  // A memo completed through grams that asked for no acks gets none now either.
  if (table_.recently_completed(g.mid) && !acks_.was_delivered(g.mid)) return;
  if (!acks_.owe(g.mid, source, g.dia, g.frm, g.is_signed())) ++stats_.acks_dropped;
}

void receiver::accept_zeroth(gram_report& r, const gram_fields& g, std::optional<verkey> key,
                             clock::time_point now, std::string_view source) {
  auto& m = table_.open(g.mid, source, g.dia, now);
  const bool is_signed = g.is_signed();
  if (m.is_signed && *m.is_signed != is_signed) {
    drop(r,
         is_signed ? drop_reason::signed_in_unsigned_memo : drop_reason::unsigned_in_signed_memo);
    return;
  }
  if (m.is_signed && is_signed && m.vid != g.vid) {
    drop(r, drop_reason::vid_mismatch);
    return;
  }
  if (m.count) {  // first zeroth gram wins
    r.status = gram_status::duplicate;
    ++stats_.duplicates;
    return;
  }
  auto held = table_.set_zeroth(m, *g.count, key, g.vid, is_signed);
  // Later grams are no longer than this one: room for the memo in one reservation.
  const std::size_t gram_bytes = g.signed_part.size() + (is_signed ? max_signature_bytes : 0);
  table_.expect(m, std::size_t{*g.count} * gram_bytes);
  // A count of 0 makes an empty memo, whatever the body (as hio does).
  if (*g.count > 0 && !table_.add_body(m, 0, g.body, is_signed)) {
    drop(r, drop_reason::memo_too_large);
    return;
  }
  r.status = gram_status::accepted;
  ++stats_.accepted;
  release_held(m, std::move(held));
  try_complete(r, g.mid);
}

void receiver::accept_later(gram_report& r, const gram_fields& g, bool is_signed,
                            clock::time_point now, std::string_view source) {
  auto& m = table_.open(g.mid, source, g.dia, now);
  if (m.is_signed && *m.is_signed != is_signed) {
    drop(r,
         is_signed ? drop_reason::signed_in_unsigned_memo : drop_reason::unsigned_in_signed_memo);
    return;
  }
  if (g.dia == dialect::legacy && is_signed) {
    // Every signed legacy gram names its verifier: all of one memo's must agree.
    if (!m.is_signed) {
      m.is_signed = true;
      m.vid = g.vid;
      m.key = verkey_for(g);
    } else if (m.vid != g.vid) {
      drop(r, drop_reason::vid_mismatch);
      return;
    }
  }
  if (m.count && g.number >= *m.count) {
    drop(r, drop_reason::number_beyond_count);
    return;
  }
  if (m.bodies.contains(g.number)) {
    r.status = gram_status::duplicate;
    ++stats_.duplicates;
    return;
  }
  if (!table_.add_body(m, g.number, g.body, is_signed)) {
    drop(r, drop_reason::memo_too_large);
    return;
  }
  r.status = gram_status::accepted;
  ++stats_.accepted;
  try_complete(r, g.mid);
}

void receiver::release_held(reassembly::memo_state& m, std::vector<reassembly::held_gram> held) {
  const std::string mid = m.mid;
  for (const auto& h : held) {
    auto* memo = table_.find(mid);
    if (!memo) return;  // evicted while releasing: the rest goes with it
    const pick_result p = pick(h.gram);
    std::optional<drop_reason> why;
    if (!memo->is_signed.value_or(false))
      why = drop_reason::signed_in_unsigned_memo;
    else if (!p.ok() || !verify(*memo->key, p.fields.signed_part, *p.fields.sig))
      why = drop_reason::bad_signature;
    else if (h.number >= *memo->count)
      why = drop_reason::number_beyond_count;
    if (why) {
      ++stats_.dropped[static_cast<std::size_t>(*why)];
      events_.emplace_back(late_drop{mid, h.number, *why});
      continue;
    }
    if (memo->bodies.contains(h.number)) {
      ++stats_.duplicates;
      continue;
    }
    if (table_.add_body(*memo, h.number, p.fields.body, true)) ++stats_.accepted;
  }
}

void receiver::try_complete(gram_report& r, std::string_view mid) {
  auto* m = table_.find(mid);
  if (!m) return;
  if (auto done = table_.complete(*m)) {
    ++stats_.completed;
    r.completed = true;
    memos_.push_back(std::move(*done));
  }
}

}  // namespace wirekit::memo
