#include "wirekit/packet/connection.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "wirekit/common/bsuint.hpp"
#include "wirekit/common/page_buffer.hpp"

namespace wirekit::packet {

namespace {

// Receive buffers are big and reused: their pages are populated at once (page_buffer.hpp).
std::shared_ptr<std::byte[]> new_receive_buffer(std::size_t size) {
  if (size >= (std::size_t{64} << 10)) return std::shared_ptr<std::byte[]>(make_page_buffer(size));
  return std::shared_ptr<std::byte[]>(new std::byte[size]);
}

event make_event(event_kind kind) {
  event e;
  e.kind = kind;
  return e;
}

}  // namespace

connection::connection(connection_config config) : config_(config) {
  auto& l = config_.limits;
  l.channels = std::clamp<std::uint64_t>(l.channels, 1, max_channels);
  l.max_inflight = std::max<std::size_t>(l.max_inflight, 1);
  l.max_pending = std::max<std::size_t>(l.max_pending, 1);
  l.max_events = std::max<std::size_t>(l.max_events, 1);
}

// ---- input ----

bool connection::stalled() const {
  return inflight_.size() >= config_.limits.max_inflight ||
         answer_bytes_ >= config_.limits.max_output_bytes ||
         events_waiting() >= config_.limits.max_events;
}

bool connection::wants_input() const {
  return !receive_ended_ && !input_closed_ && !stalled();
}

void connection::receive(byte_view data) {
  if (receive_ended_ || input_closed_ || data.empty()) return;
  pin_for_waiting_events();
  // Payload views of earlier events die here (see event::payload_view): only now may in_
  // move. Room for everything this call may append is made first, so views into in_ made
  // during the call stay valid too.
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  } else if (in_pos_ > 0) {
    in_.drop_front(in_pos_);
    in_pos_ = 0;
  }
  in_.reserve(in_.size() + data.size());
  // A packet left partial by an earlier call gets only the bytes it still lacks, so the bulk
  // of the input is parsed where it lies instead of being copied into in_.
  while (!data.empty() && in_pos_ < in_.size() && !stalled() && !receive_ended_) {
    const auto take = std::min(data.size(), missing_bytes());
    in_.append(data.first(take));
    data = data.subspan(take);
    pump();
  }
  if (data.empty() || receive_ended_) {
    pump();
    return;
  }
  if (in_pos_ == in_.size() && !stalled()) {
    // Nothing buffered: parse straight from the caller's bytes and keep only the tail.
    const auto used = parse(data);
    if (!receive_ended_) in_.append(data.subspan(used));
    pump();
    return;
  }
  in_.append(data);
  pump();
}

std::span<std::byte> connection::input_space(std::size_t at_least) {
  pin_for_waiting_events();
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  }
  auto room = in_.room(0);
  if (room.size() < at_least && in_pos_ > 0) {
    // Only when the end is near: the unparsed tail (a partial packet) moves to the front.
    in_.drop_front(in_pos_);
    in_pos_ = 0;
  }
  return in_.room(at_least);
}

// A driver that reads before it polls (see has_events) must not get the payloads it has yet
// to see overwritten: while such a buffer is held, in_ switches to another one.
void connection::pin_for_waiting_events() {
  if (config_.copy_payloads || !has_events() || in_.size() == 0) return;
  auto held = in_.keeper();
  if (pinned_.empty() || pinned_.back() != held) pinned_.push_back(std::move(held));
}

void connection::input_written(std::size_t n) {
  if (receive_ended_ || input_closed_ || n == 0) return;
  in_.grow(n);
  pump();
}

std::shared_ptr<std::byte[]> input_buffer::make(std::size_t size) {
  ++made_;
  return new_receive_buffer(size);
}

void input_buffer::reserve(std::size_t n) {
  if (n <= cap_) return;
  const auto cap = std::max(n, 2 * cap_);
  // The old buffer lives on while an answer sent from it is still held.
  auto bigger = make(cap);
  if (len_ > 0) std::memcpy(bigger.get(), data_.get(), len_);
  data_ = std::move(bigger);
  cap_ = cap;
  // Smaller buffers are never taken again (restart_with_tail takes only the current size):
  // free ones go now, which frees their slots too. One still held stays: the payload views of
  // the last event polled may lie in it until the next input_space().
  std::erase_if(left_,
                [cap](const left_buffer& b) { return b.cap < cap && b.data.use_count() == 1; });
}

void input_buffer::append(byte_view b) {
  if (b.empty()) return;
  reserve(len_ + b.size());
  std::memcpy(data_.get() + len_, b.data(), b.size());
  len_ += b.size();
}

void input_buffer::drop_front(std::size_t n) {
  n = std::min(n, len_);
  if (data_.use_count() > 1) return restart_with_tail(len_ - n);
  if (n < len_) std::memmove(data_.get(), data_.get() + n, len_ - n);
  len_ -= n;
}

void input_buffer::restart_with_tail(std::size_t keep) {
  left_buffer next{nullptr, cap_};
  for (auto& b : left_) {
    // At least the current size (which holds keep): a smaller one would have to grow again,
    // a fresh buffer every turn (each a mmap, page faults and a munmap).
    if (b.data.use_count() == 1 && b.cap >= cap_) {
      std::swap(next, b);
      break;
    }
  }
  if (!next.data) next.data = make(next.cap);
  if (keep > 0) std::memcpy(next.data.get(), data_.get() + (len_ - keep), keep);
  // Where the free buffer was taken, or over the oldest one still held.
  auto slot = std::find_if(left_.begin(), left_.end(), [](const auto& b) { return !b.data; });
  if (slot != left_.end()) {
    *slot = {std::move(data_), cap_};
  } else if (left_.size() < max_left) {
    left_.push_back({std::move(data_), cap_});
  } else {
    left_.front() = {std::move(data_), cap_};
    std::rotate(left_.begin(), left_.begin() + 1, left_.end());
  }
  data_ = std::move(next.data);
  cap_ = next.cap;
  len_ = keep;
}

std::span<std::byte> input_buffer::room(std::size_t at_least) {
  reserve(len_ + at_least);
  return {data_.get() + len_, cap_ - len_};
}

// Bytes that complete the first buffered packet (its length prefix first, if that is cut).
std::size_t connection::missing_bytes() const {
  const auto have = in_.view().subspan(in_pos_);
  const auto len = bsuint::decode(have);
  if (len.status == bsuint::decode_status::need_more) return bsuint::max_decoded_bytes;
  if (len.status != bsuint::decode_status::complete || len.value > config_.limits.max_packet_bytes)
    return 1;  // enough for parse() to report it
  const auto total = len.consumed + static_cast<std::size_t>(len.value);
  return total > have.size() ? total - have.size() : 1;
}

void connection::receive_end() {
  if (receive_ended_ || input_closed_) return;
  input_closed_ = true;
  pump();
}

// Parses buffered input while there is room, then settles what that changed.
void connection::pump() {
  if (parsing_) return;  // re-entered from handle(): the outer call continues
  parsing_ = true;
  if (!receive_ended_ && in_pos_ < in_.size()) {
    // No compaction here: events' payload views may point into in_ (receive() compacts).
    in_pos_ += parse(in_.view().subspan(in_pos_));
  }
  if (!receive_ended_ && input_closed_ && !stalled()) {
    end_receive(in_pos_ < in_.size() ? end_reason::truncated : end_reason::stream_closed);
  }
  parsing_ = false;
  maybe_send_eof();
}

std::size_t connection::parse(byte_view data) {
  std::size_t used = 0;
  while (!receive_ended_ && !stalled() && used < data.size()) {
    const auto d = decode(data.subspan(used), config_.limits.max_packet_bytes);
    if (d.status == decode_status::need_more) break;
    if (d.status == decode_status::bad) {
      end_receive(end_reason::bad_packet, d.error);
      break;
    }
    if (config_.trace) {
      const auto wire = data.subspan(used, d.consumed);
      trace_.push_back({false, bytes(wire.begin(), wire.end())});
    }
    used += d.consumed;
    ++stats_.packets_in;
    handle(d.value);
  }
  return used;
}

void connection::handle(const packet& p) {
  if (!p.is_request) {
    handle_response(p);
    return;
  }
  switch (classify(p)) {
    case control_kind::eof:
      end_receive(end_reason::eof_packet);
      return;
    case control_kind::malformed:
      end_receive(end_reason::malformed_eof);
      return;
    case control_kind::erq:
      if (!peer_erq_) {
        peer_erq_ = true;
        events_.push_back(make_event(event_kind::peer_erq));
      }
      return;
    case control_kind::none:
      handle_request(p);
      return;
  }
}

void connection::handle_request(const packet& p) {
  ++stats_.requests_in;
  if (send_state_ == send_state::eof_sent) {
    notify(notice_kind::after_eof, p.channel, p.tag, true);
    return;
  }
  if (p.channel >= config_.limits.channels) {
    handle_unknown_channel(p);
    return;
  }
  const key k{p.channel, p.tag};
  if (auto it = inflight_.find(k); it != inflight_.end()) {
    // The reference answers the copy with a reject and then never sends the real answer.
    if (it->second.answered) {
      notify(notice_kind::duplicate_dropped, p.channel, p.tag, true);
    } else {
      it->second.answered = true;
      reject(p.channel, p.tag, reject_reason::tag_in_use, notice_kind::duplicate_tag);
    }
    return;
  }
  auto& history = history_for(p.channel);
  if (history.contains(p.tag)) {
    notify(notice_kind::tag_reused, p.channel, p.tag, true);
    return;
  }
  if (history.insert(p.tag)) notify(notice_kind::tag_history_merged, p.channel, p.tag, false);
  if (!config_.accepts_requests) {
    reject(p.channel, p.tag, reject_reason::no_handler, notice_kind::no_handler);
  } else if (peer_erq_) {
    reject(p.channel, p.tag, reject_reason::after_erq, notice_kind::request_after_erq);
  } else if (send_state_ != send_state::open) {
    reject(p.channel, p.tag, reject_reason::cancelled, notice_kind::shutting_down);
  } else {
    inflight_.emplace(k, inflight_entry{});
    event e = make_event(event_kind::request);
    e.channel = p.channel;
    e.tag = p.tag;
    e.rq_type = p.user_rq_type();
    e.flags = p.flags;
    e.payload_view = p.payload;
    if (config_.copy_payloads) e.payload.assign(p.payload.begin(), p.payload.end());
    events_.push_back(std::move(e));
  }
}

tag_history& connection::history_for(std::uint64_t channel) {
  if (last_history_ == nullptr || last_history_channel_ != channel) {
    last_history_ = &seen_tags_.try_emplace(channel, config_.limits.max_tag_ranges).first->second;
    last_history_channel_ = channel;
  }
  return *last_history_;
}

void connection::handle_unknown_channel(const packet& p) {
  auto it = unknown_seen_.find(p.channel);
  if (it == unknown_seen_.end()) {
    if (unknown_seen_.size() >= config_.limits.max_unknown_channels) {
      // No room to remember this tag: answering it could mean answering it twice later.
      notify(notice_kind::unknown_channel_dropped, p.channel, p.tag, true);
      return;
    }
    it = unknown_seen_.try_emplace(p.channel, config_.limits.max_tag_ranges).first;
  }
  if (it->second.contains(p.tag)) {
    notify(notice_kind::tag_reused, p.channel, p.tag, true);
    return;
  }
  if (it->second.insert(p.tag)) notify(notice_kind::tag_history_merged, p.channel, p.tag, false);
  reject(p.channel, p.tag, reject_reason::unknown_channel, notice_kind::unknown_channel);
}

void connection::handle_response(const packet& p) {
  ++stats_.responses_in;
  const auto it = pending_.find(key{p.channel, p.tag});
  if (it == pending_.end()) {
    notify(notice_kind::response_to_unknown_tag, p.channel, p.tag, true);
    return;
  }
  pending_.erase(it);
  event e = make_event(event_kind::response);
  e.channel = p.channel;
  e.tag = p.tag;
  e.ok = p.ok;
  e.flags = p.flags;
  e.payload_view = p.payload;
  if (config_.copy_payloads) e.payload.assign(p.payload.begin(), p.payload.end());
  events_.push_back(std::move(e));
}

void connection::end_receive(end_reason end, decode_error error) {
  if (receive_ended_) return;
  receive_ended_ = true;
  event e = make_event(event_kind::receive_ended);
  e.end = end;
  e.error = error;
  events_.push_back(std::move(e));
  // Unlike the reference (which leaves a waiting caller hanging), every request of ours
  // fails now: no answer can be read any more.
  for (const auto& k : pending_) {
    event f = make_event(event_kind::request_failed);
    f.channel = k.channel;
    f.tag = k.tag;
    f.end = end;
    f.error = error;
    events_.push_back(std::move(f));
  }
  pending_.clear();
}

// ---- our requests ----

submit_result connection::submit(std::uint64_t rq_type, std::uint64_t flags, byte_view payload,
                                 std::uint64_t channel) {
  return submit_packet(rq_type, flags, payload, channel, false);
}

submit_result connection::submit_borrowed(std::uint64_t rq_type, std::uint64_t flags,
                                          byte_view payload, std::uint64_t channel) {
  return submit_packet(rq_type, flags, payload, channel, true);
}

submit_result connection::submit_packet(std::uint64_t rq_type, std::uint64_t flags,
                                        byte_view payload, std::uint64_t channel,
                                        bool borrow_payload) {
  if (send_state_ != send_state::open) return {submit_status::closed};
  if (receive_ended_) return {submit_status::receive_ended};
  if (pending_.size() >= config_.limits.max_pending) return {submit_status::full};
  if (channel >= config_.limits.channels) return {submit_status::bad_channel};
  if (rq_type > max_user_rq_type) return {submit_status::bad_rq_type};
  if (flags > max_request_flags) return {submit_status::bad_flags};
  auto [it, fresh] = next_tag_.try_emplace(channel, channel == 0 ? first_tag_channel0 : 0);
  (void)fresh;
  const std::uint64_t tag = it->second;
  if (tag == UINT64_MAX) return {submit_status::tags_exhausted};
  if (send(make_request(channel, tag, rq_type, flags, payload), config_.limits.max_packet_bytes,
           borrow_payload) != encode_status::ok)
    return {submit_status::too_large};
  ++stats_.requests_out;
  ++it->second;
  pending_.insert(key{channel, tag});
  return {submit_status::ok, tag};
}

// ---- answers ----

respond_status connection::respond(std::uint64_t channel, std::uint64_t tag, bool ok,
                                   std::uint64_t flags, byte_view payload) {
  const auto it = inflight_.find(key{channel, tag});
  if (it == inflight_.end()) return respond_status::unknown;
  const bool answered = it->second.answered;
  inflight_.erase(it);
  respond_status status = respond_status::sent;
  if (answered || send_state_ == send_state::eof_sent) {
    notify(notice_kind::response_dropped, channel, tag, true);
    status = respond_status::dropped;
  } else {
    // A big answer that lies in the receive buffer (an echo) is sent from there: in_ keeps
    // those bytes in place while the output holds its keeper.
    const auto in = in_.view();
    const auto at = reinterpret_cast<std::uintptr_t>(payload.data());
    const auto in_at = reinterpret_cast<std::uintptr_t>(in.data());
    const bool from_input = payload.size() >= borrow_min_bytes && !in.empty() && at >= in_at &&
                            at + payload.size() <= in_at + in.size();
    switch (send(make_response(channel, tag, ok, flags, payload), config_.limits.max_packet_bytes,
                 from_input, from_input ? in_.keeper() : nullptr)) {
      case encode_status::ok:
        ++stats_.responses_out;
        break;
      case encode_status::flags_too_large:
        status = respond_status::bad_flags;
        break;
      case encode_status::packet_too_large:
        status = respond_status::too_large;
        break;
    }
    if (status != respond_status::sent) {
      const auto text = reject_text(reject_reason::handler_exception, channel, tag);
      send(make_response(channel, tag, false, 0, as_bytes(text)));
      ++stats_.rejects_out;
    }
  }
  pump();
  return status;
}

// ---- shutdown ----

void connection::set_send_state(send_state next) {
  send_state_ = next;
}

void connection::send_erq() {
  if (send_state_ == send_state::eof_sent) return;
  send(make_erq());
}

void connection::close() {
  if (send_state_ != send_state::open) return;
  send(make_erq());
  set_send_state(send_state::draining);
  pump();
}

void connection::maybe_send_eof() {
  if (send_state_ != send_state::draining || !inflight_.empty()) return;
  send(make_eof());
  set_send_state(send_state::eof_sent);
}

// ---- output ----

encode_status connection::send(const packet& p, std::size_t max_packet_bytes, bool borrow_payload,
                               std::shared_ptr<const void> keeper) {
  const auto before = out_.size();
  const auto status =
      borrow_payload ? encode_head(p, out_, max_packet_bytes) : encode(p, out_, max_packet_bytes);
  if (status != encode_status::ok) return status;
  if (borrow_payload && !p.payload.empty())
    borrowed_.push_back({out_.size(), p.payload, std::move(keeper)});
  if (config_.trace) {
    bytes wire(out_.begin() + static_cast<std::ptrdiff_t>(before), out_.end());
    if (borrow_payload) wire.insert(wire.end(), p.payload.begin(), p.payload.end());
    trace_.push_back({true, std::move(wire)});
  }
  if (!p.is_request)
    answer_bytes_ += out_.size() - before + (borrow_payload ? p.payload.size() : 0);
  ++stats_.packets_out;
  return status;
}

void connection::reject(std::uint64_t channel, std::uint64_t tag, reject_reason reason,
                        notice_kind why) {
  const auto text = reject_text(reason, channel, tag);
  send(make_response(channel, tag, false, 0, as_bytes(text)));
  ++stats_.rejects_out;
  notify(why, channel, tag, false);
}

void connection::notify(notice_kind kind, std::uint64_t channel, std::uint64_t tag, bool dropped) {
  if (dropped) ++stats_.dropped;
  event e = make_event(event_kind::notice);
  e.notice = kind;
  e.channel = channel;
  e.tag = tag;
  events_.push_back(std::move(e));
}

void connection::take_output(bytes& out) {
  if (!borrowed_.empty()) {
    output whole;
    take_output(whole);
    out.clear();
    for (const auto piece : whole.pieces)
      out.insert(out.end(), piece.begin(), piece.end());
    return;
  }
  out.clear();
  std::swap(out, out_);
  answer_bytes_ = 0;
  pump();
}

void connection::take_output(output& out) {
  out.owned.clear();
  out.pieces.clear();
  out.keep.clear();
  std::swap(out.owned, out_);
  if (!borrowed_.empty()) {
    const byte_view owned(out.owned);
    std::size_t from = 0;
    for (const auto& b : borrowed_) {
      if (b.at > from) out.pieces.push_back(owned.subspan(from, b.at - from));
      out.pieces.push_back(b.payload);
      if (b.keeper && (out.keep.empty() || out.keep.back() != b.keeper))
        out.keep.push_back(b.keeper);
      from = b.at;
    }
    if (owned.size() > from) out.pieces.push_back(owned.subspan(from));
    borrowed_.clear();
  }
  answer_bytes_ = 0;
  pump();
}

std::size_t connection::output_bytes() const {
  std::size_t n = out_.size();
  for (const auto& b : borrowed_)
    n += b.payload.size();
  return n;
}

std::optional<event> connection::poll_event() {
  if (events_head_ == events_.size()) return std::nullopt;
  event e = std::move(events_[events_head_++]);
  if (events_head_ >= 1024 && 2 * events_head_ >= events_.size() && events_head_ < events_.size()) {
    // A consumer whose answers let more be parsed may never see the queue empty.
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(events_head_));
    events_head_ = 0;
  } else if (events_head_ == events_.size()) {
    events_.clear();
    events_head_ = 0;
    pinned_.clear();  // the views of e die with the next input_space(), as usual
    pump();
  }
  return e;
}

std::optional<direction_record> connection::poll_trace() {
  if (trace_.empty()) return std::nullopt;
  auto r = std::move(trace_.front());
  trace_.pop_front();
  return r;
}

std::string_view to_string(end_reason end) {
  switch (end) {
    case end_reason::none:
      return "open";
    case end_reason::eof_packet:
      return "peer sent EOF";
    case end_reason::malformed_eof:
      return "peer sent a request with rq_type 0 (taken as EOF)";
    case end_reason::stream_closed:
      return "peer closed the stream without EOF";
    case end_reason::truncated:
      return "stream ended inside a packet";
    case end_reason::bad_packet:
      return "malformed packet";
  }
  return "?";
}

std::string_view to_string(notice_kind notice) {
  switch (notice) {
    case notice_kind::none:
      return "none";
    case notice_kind::response_to_unknown_tag:
      return "response to unknown request dropped";
    case notice_kind::tag_reused:
      return "request reusing an answered tag dropped";
    case notice_kind::duplicate_tag:
      return "request with a tag in use rejected";
    case notice_kind::duplicate_dropped:
      return "request with a tag in use dropped";
    case notice_kind::request_after_erq:
      return "request after the peer's ERQ rejected";
    case notice_kind::unknown_channel:
      return "request on an unknown channel rejected";
    case notice_kind::unknown_channel_dropped:
      return "request on an unknown channel dropped: too many unknown channels";
    case notice_kind::no_handler:
      return "request rejected: no request handler";
    case notice_kind::shutting_down:
      return "request rejected: shutting down";
    case notice_kind::after_eof:
      return "request after our EOF dropped";
    case notice_kind::response_dropped:
      return "answer dropped: tag already answered";
    case notice_kind::tag_history_merged:
      return "tag history full: oldest ranges joined";
  }
  return "?";
}

}  // namespace wirekit::packet
