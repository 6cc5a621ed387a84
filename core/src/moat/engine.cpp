#include "wirekit/moat/engine.hpp"

#include <algorithm>

#include "wirekit/moat/cbor_encode.hpp"

namespace wirekit::moat {

namespace {

// 0.3.3 scans for a free local id from the last one used up to this, then from 1 upward.
inline constexpr std::uint64_t local_id_wrap = 5;
// Input is decoded this many events ahead of the application: few messages are alive at once,
// so their memory is reused while still in cache (thousands queued made every allocation
// a trip through malloc's bins).
inline constexpr std::size_t decode_batch = 8;
// Spent event slots are compacted away once there are this many (and they are the majority).
inline constexpr std::size_t compact_events_at = 256;
// 0.4 wraps errors in its object tag with the generic remote-error proxy name.
inline constexpr std::uint64_t tag_object = 27;

// What moat-util 0.54's decoder dies on: tag 1 and simple values beyond the usual four.
bool fatal_for_03(const value& v) {
  if (v.is(kind::simple)) return true;
  if (v.is(kind::tag) && v.tag_number() == 1) return true;
  for (const auto& x : v.items())
    if (fatal_for_03(x)) return true;
  return false;
}

bool fatal_for_03(std::span<const value> p, const value& kw) {
  for (const auto& v : p)
    if (fatal_for_03(v)) return true;
  return fatal_for_03(kw);
}

std::optional<std::int64_t> single_int(const payload& p) {
  if (p.size() != 1) return std::nullopt;
  return p.front().as_int64();
}

}  // namespace

std::string_view to_string(send_status s) {
  switch (s) {
    case send_status::ok:
      return "ok";
    case send_status::paused:
      return "paused";
    case send_status::full:
      return "output queue full";
    case send_status::stopped:
      return "peer stopped the stream";
    case send_status::closed:
      return "direction already closed";
    case send_status::suppressed:
      return "suppressed for a 0.3 peer";
  }
  return "?";
}

engine::engine(dialect d, engine_limits limits)
    : dialect_(d), limits_(limits), decoder_(limits.cbor) {}

// ------------------------------------------------------------------ input

void engine::receive(byte_view data) {
  if (failed_) return;
  decoder_.feed(data);
  pump(decode_batch);
}

bool engine::wants_input() const {
  return !failed_ && queued_events() < limits_.max_queued_events;
}

void engine::pump(std::size_t target) {
  target = std::min(target, limits_.max_queued_events);
  while (!failed_ && queued_events() < target) {
    value msg;
    const auto r = decoder_.next(msg);
    if (r.status == decode_status::need_more) return;
    if (r.status == decode_status::bad) {
      if (r.consumed > 0) {
        ++stats_.skipped_items;
        continue;
      }
      // Events already queued are handed out first, so their replies can still go out.
      failed_ = true;
      pending_down_ = std::string("bad CBOR from peer: ") + std::string(to_string(r.error));
      return;
    }
    receive_message(std::move(msg));
  }
}

void engine::receive_eof() {
  if (failed_ || eof_) return;
  pump(limits_.max_queued_events);  // complete messages before the EOF count as received
  eof_ = true;
  eof_reason_ = decoder_.buffered() ? "peer closed the link in the middle of a message"
                                    : "peer closed the link";
  // Commands the peer finished sending may still be answered (it may only have half-closed);
  // everything that waits for the peer, or streams to it, fails now.
  std::vector<conv_ref> dead;
  for (const auto& [ref, conv] : convs_) {
    if (conv.in != dir_state::ended || conv.out != dir_state::idle) dead.push_back(ref);
  }
  for (const auto& ref : dead) {
    conversation& conv = convs_[ref];
    if (!conv.cancelled && conv.in != dir_state::ended) {
      event e;
      e.type = event_type::error;
      e.conv = ref;
      e.data = {value::text("LinkDown")};
      e.reason = eof_reason_;
      emit(std::move(e));
    }
    conv.in = dir_state::ended;
    conv.out = dir_state::ended;
    maybe_close(ref);
  }
  if (convs_.empty() && !failed_) link_down(eof_reason_);
}

void engine::link_down(std::string reason) {
  failed_ = true;
  pending_down_.reset();
  for (auto& [ref, conv] : convs_) {
    if (conv.in != dir_state::ended && !conv.cancelled) {
      event e;
      e.type = event_type::error;
      e.conv = ref;
      e.data = {value::text("LinkDown")};
      e.reason = reason;
      emit(std::move(e));
    }
    event c;
    c.type = event_type::closed;
    c.conv = ref;
    emit(std::move(c));
  }
  convs_.clear();
  event e;
  e.type = event_type::link_down;
  e.reason = std::move(reason);
  emit(std::move(e));
}

void engine::emit(event e) {
  events_.push_back(std::move(e));
}

std::optional<event> engine::poll_event() {
  if (queued_events() == 0) {
    pump(decode_batch);
    if (queued_events() == 0 && pending_down_) link_down(*pending_down_);
    if (queued_events() == 0) return std::nullopt;
  }
  std::optional<event> out(std::in_place, std::move(events_[events_head_++]));
  // Spent slots are dropped all at once when the queue runs empty, or in one move once they
  // are the larger part: no allocation per event (a deque node held one event each).
  if (events_head_ == events_.size()) {
    events_.clear();
    events_head_ = 0;
  } else if (events_head_ >= compact_events_at && 2 * events_head_ >= events_.size()) {
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(events_head_));
    events_head_ = 0;
  }
  const event& e = *out;
  if (e.type == event_type::item && dialect_ == dialect::v0_4) {
    // The item is now the application's: grant the peer room for another.
    auto it = convs_.find(e.conv);
    if (it != convs_.end() && it->second.out != dir_state::ended) {
      const std::int64_t step = limits_.receive_window < 10 ? 1 : limits_.receive_window / 2;
      if (++it->second.consumed >= step) {
        send_credit(e.conv, it->second.consumed);
        it->second.consumed = 0;
      }
    }
  }
  return out;
}

void engine::receive_message(const value& msg) {
  receive_message(value(msg));
}

void engine::receive_message(value&& msg) {
  ++stats_.messages_in;
  if (!msg.is_array() || msg.items().empty()) {
    ++stats_.dropped_malformed;
    return;
  }
  const auto h = decode_header(msg.items().front());
  if (!h || h->wid > max_wire_id) {
    ++stats_.dropped_malformed;
    return;
  }
  // The message's own element vector becomes the payload: no copy per message.
  payload p = std::move(msg.items());
  p.erase(p.begin());
  const conv_ref ref{!h->originator, h->wid};
  auto it = convs_.find(ref);
  if (it == convs_.end()) {
    if (h->originator) return incoming_new(*h, std::move(p));
    ++stats_.dropped_spurious;  // a reply for an id we have not opened (or already freed)
    return;
  }
  conversation& conv = it->second;

  if (h->error() && h->stream()) {  // warning, including flow credit
    if (conv.cancelled) return;
    event e;
    e.conv = ref;
    const auto n = single_int(p);
    if (n && *n >= 0) {
      conv.credit = conv.credit.value_or(0) + *n;
      e.type = event_type::credit;
      e.code = *n;
    } else {
      e.type = event_type::warning;
      if (n) e.code = *n;
      e.data = std::move(p);
    }
    emit(std::move(e));
    return;
  }
  if (conv.in == dir_state::ended) {
    ++stats_.dropped_late;
    return;
  }
  if (h->stream()) {
    event_type type = event_type::item;
    if (ref.ours && !conv.got_reply) {
      conv.got_reply = true;
      conv.in = dir_state::open;
      type = event_type::opened;
    } else if (conv.in == dir_state::ignoring || conv.cancelled) {
      ++stats_.dropped_unwanted;
      return;
    }
    if (!conv.cancelled) {
      // Built in its queue slot: a stream item is the one event per message.
      event& e = events_.emplace_back();
      e.type = type;
      e.conv = ref;
      e.data = std::move(p);
    }
    return;
  }
  // A final from the peer.
  conv.got_reply = true;
  const bool was_cancelled = conv.cancelled;
  conv.in = dir_state::ended;
  if (!was_cancelled) {
    event e;
    e.conv = ref;
    e.type = h->error() ? event_type::error : event_type::final;
    if (const auto n = single_int(p); n && h->error()) e.code = *n;
    e.data = std::move(p);
    emit(std::move(e));
  }
  if (h->error()) {
    // The peer stopped: our producer stops too, with the one final we owe.
    auto again = convs_.find(ref);
    if (again != convs_.end() && again->second.out != dir_state::ended) {
      write(ref, flag_error, {value::integer(code::no_stream)});
      again->second.out = dir_state::ended;
    }
  }
  maybe_close(ref);
}

void engine::incoming_new(const header& h, payload p) {
  if (h.error()) {
    // 0.3.3 drops these; a 0.4 peer sends its credit before the command, so keep that.
    const auto n = single_int(p);
    if (h.stream() && n && *n >= 0 && pending_credit_.size() < limits_.max_pending_credits)
      pending_credit_[h.wid] += *n;
    else
      ++stats_.dropped_spurious;
    return;
  }
  const conv_ref ref{false, h.wid};
  if (eof_) return;
  if (convs_.size() >= limits_.max_conversations) {
    ++stats_.refused_conversations;
    // No table entry is made, so a streaming peer's later items are refused the same way.
    write(ref, flag_error, {value::text("ResourceError"), value::text("too many conversations")});
    return;
  }
  conversation conv;
  conv.in = h.stream() ? dir_state::open : dir_state::ended;
  if (auto pc = pending_credit_.find(h.wid); pc != pending_credit_.end()) {
    conv.credit = pc->second;
    pending_credit_.erase(pc);
  }
  unpacked u = unpack(std::move(p));
  if (u.args.empty()) {
    // 0.3.3 answers a command without a name with IndexError; so do we, in its form.
    convs_[ref] = conv;
    ++stats_.dropped_malformed;
    fail(ref, {value::text(dialect_ == dialect::v0_3 ? "IndexError" : "ShortCommandError"),
               value::text("no command")});
    return;
  }
  convs_[ref] = conv;
  event e;
  e.type = event_type::command;
  e.conv = ref;
  e.streaming = h.stream();
  e.cmd = std::move(u.args.front());
  e.args.assign(std::make_move_iterator(u.args.begin() + 1), std::make_move_iterator(u.args.end()));
  e.kw = std::move(u.kw);
  emit(std::move(e));
}

void engine::maybe_close(conv_ref c) {
  auto it = convs_.find(c);
  if (it == convs_.end()) return;
  if (it->second.in != dir_state::ended || it->second.out != dir_state::ended) return;
  convs_.erase(it);
  event e;
  e.type = event_type::closed;
  e.conv = c;
  emit(std::move(e));
  if (eof_ && convs_.empty() && !failed_) link_down(eof_reason_);
}

// ------------------------------------------------------------------ output

void engine::write(conv_ref c, unsigned flags, const payload& p) {
  write_message(c, flags, p, nullptr);
}

void engine::write_message(conv_ref c, unsigned flags, std::span<const value> items,
                           const value* tail) {
  // 0.3.3 cannot take a header-only message: it gets [h, null].
  const bool null_only = items.empty() && !tail && dialect_ == dialect::v0_3;
  encode_head(out_, major_array, 1 + items.size() + (tail || null_only ? 1 : 0));
  // The header as encode_header() gives it: ours (we opened it) wid<<2 | flags, the peer's
  // ((-1 - wid) << 2) | flags, i.e. CBOR's -1 - arg with arg = (wid + 1) * 4 - flags - 1.
  if (c.ours)
    encode_head(out_, major_uint, (c.wid << 2) | flags);
  else
    encode_head(out_, major_negint, ((c.wid + 1) << 2) - flags - 1);
  for (const auto& v : items)
    encode_to(out_, v);
  if (tail) encode_to(out_, *tail);
  if (null_only) out_.push_back(std::byte{0xf6});
  ++stats_.messages_out;
}

void engine::send_credit(conv_ref c, std::int64_t n) {
  if (dialect_ != dialect::v0_4) return;  // a 0.3.3 peer crashes on credits it does not read
  write(c, flag_stream | flag_error, {value::integer(n)});
}

void engine::take_output(bytes& into) {
  into.clear();
  into.swap(out_);  // the caller's spent buffer keeps its capacity for our next messages
}

bytes engine::take_output() {
  bytes b;
  b.swap(out_);
  return b;
}

std::optional<std::uint64_t> engine::allocate_id() {
  auto free = [this](std::uint64_t local) { return convs_.count(conv_ref{true, local - 1}) == 0; };
  std::uint64_t id = last_local_id_;
  while (id <= local_id_wrap && !free(id))
    ++id;
  if (id > local_id_wrap) {
    id = 1;
    while (!free(id))
      ++id;  // bounded: the table holds at most max_conversations
  }
  last_local_id_ = id;
  return id - 1;
}

std::optional<conv_ref> engine::call(const value& cmd, payload args, const value& kw,
                                     call_mode mode) {
  if (failed_ || eof_ || convs_.size() >= limits_.max_conversations) return std::nullopt;
  if (dialect_ == dialect::v0_3 && (fatal_for_03(cmd) || fatal_for_03(args, kw))) {
    ++stats_.suppressed_values;
    return std::nullopt;
  }
  const auto wid = allocate_id();
  if (!wid) return std::nullopt;
  const conv_ref ref{true, *wid};
  conversation conv;
  conv.mode = mode;
  conv.out = mode == call_mode::plain ? dir_state::ended : dir_state::open;
  convs_[ref] = conv;

  value name = cmd;
  if (dialect_ == dialect::v0_4 && cmd.is_text()) name = value::array({cmd});
  const bool streaming = mode != call_mode::plain;
  if (streaming && mode != call_mode::stream_out) send_credit(ref, limits_.receive_window);
  payload p = pack(std::move(args), kw, streaming && dialect_ == dialect::v0_3);
  p.insert(p.begin(), std::move(name));
  write(ref, streaming ? flag_stream : 0, p);
  return ref;
}

bool engine::can_send(conv_ref c) const {
  auto it = convs_.find(c);
  if (it == convs_.end()) return false;
  const conversation& conv = it->second;
  if (conv.out != dir_state::open) return false;
  if (c.ours && !conv.got_reply) return false;
  if (conv.credit && *conv.credit <= 0) return false;
  return out_.size() < limits_.max_queued_bytes;
}

send_status engine::open_stream(conv_ref c, payload args, const value& kw) {
  auto it = convs_.find(c);
  if (it == convs_.end() || c.ours || it->second.out != dir_state::idle) return send_status::closed;
  if (dialect_ == dialect::v0_3 && fatal_for_03(args, kw)) {
    ++stats_.suppressed_values;
    return send_status::suppressed;
  }
  if (it->second.in == dir_state::open) send_credit(c, limits_.receive_window);
  write_message(c, flag_stream, args, pack_tail(args, kw, dialect_ == dialect::v0_3));
  it->second.out = dir_state::open;
  return send_status::ok;
}

send_status engine::send(conv_ref c, const payload& args, const value& kw) {
  return send_packed(c, args, kw);
}

send_status engine::send_item(conv_ref c, const value& item) {
  return send_packed(c, std::span<const value>(&item, 1), empty_map());
}

send_status engine::send_packed(conv_ref c, std::span<const value> args, const value& kw) {
  auto it = convs_.find(c);
  if (it == convs_.end() || it->second.out != dir_state::open) return send_status::closed;
  conversation& conv = it->second;
  if (c.ours && !conv.got_reply) return send_status::paused;
  if (conv.credit && *conv.credit <= 0) return send_status::paused;
  if (out_.size() >= limits_.max_queued_bytes) return send_status::full;
  if (dialect_ == dialect::v0_3 && fatal_for_03(args, kw)) {
    ++stats_.suppressed_values;
    return send_status::suppressed;
  }
  if (conv.credit) --*conv.credit;
  write_message(c, flag_stream, args, pack_tail(args, kw, false));
  return send_status::ok;
}

send_status engine::finish(conv_ref c, payload args, const value& kw) {
  auto it = convs_.find(c);
  if (it == convs_.end() || it->second.out == dir_state::ended) return send_status::closed;
  conversation& conv = it->second;
  if (dialect_ == dialect::v0_3 && fatal_for_03(args, kw)) {
    // The final is owed all the same: an error that 0.3.3 can read takes its place.
    ++stats_.suppressed_values;
    return fail(c,
                {value::text("TypeError"), value::text("reply not readable by moat-lib-cmd 0.3")});
  }
  const bool never_streamed = conv.out == dir_state::idle;
  write_message(c, 0, args, pack_tail(args, kw, false));
  conv.out = dir_state::ended;
  // A handler that answers without opening a stream does not read the peer's items.
  if (!c.ours && never_streamed && conv.in == dir_state::open) conv.in = dir_state::ignoring;
  maybe_close(c);
  return send_status::ok;
}

send_status engine::close(conv_ref c) {
  return finish(c, {value::null()});
}

send_status engine::fail(conv_ref c, payload data) {
  auto it = convs_.find(c);
  if (it == convs_.end() || it->second.out == dir_state::ended) return send_status::closed;
  conversation& conv = it->second;
  if (data.empty()) data.push_back(value::integer(code::unspecified));
  if (dialect_ == dialect::v0_3) {
    // 0.3.3 drops the link on a final error that is one non-negative int, or on values it
    // cannot decode.
    if (const auto n = single_int(data); n && *n >= 0)
      data.insert(data.begin(), value::text("Error"));
    if (fatal_for_03(data, value::map())) {
      ++stats_.suppressed_values;
      data = {value::text("TypeError"), value::text("error not readable by moat-lib-cmd 0.3")};
    }
  }
  if (dialect_ == dialect::v0_4 && data.front().is_text()) {
    payload inner{value::text("_rErr")};
    for (auto& v : data)
      inner.push_back(std::move(v));
    data = {value::tagged(tag_object, value::array(std::move(inner)))};
  }
  const bool never_streamed = conv.out == dir_state::idle;
  write(c, flag_error, data);
  conv.out = dir_state::ended;
  if (!c.ours && never_streamed && conv.in == dir_state::open) conv.in = dir_state::ignoring;
  maybe_close(c);
  return send_status::ok;
}

send_status engine::fail_code(conv_ref c, std::int64_t code) {
  return fail(c, {value::integer(code)});
}

send_status engine::warn(conv_ref c, payload data) {
  auto it = convs_.find(c);
  if (it == convs_.end()) return send_status::closed;
  const conversation& conv = it->second;
  // 0.3.3 only survives a warning while it iterates a stream we send it.
  const bool peer_reads = conv.out == dir_state::open && (!c.ours || conv.got_reply);
  if (dialect_ == dialect::v0_3 && !peer_reads) {
    ++stats_.suppressed_warnings;
    return send_status::suppressed;
  }
  if (data.empty()) data.push_back(value::null());
  write(c, flag_stream | flag_error, data);
  return send_status::ok;
}

void engine::cancel(conv_ref c) {
  auto it = convs_.find(c);
  if (it == convs_.end()) return;
  conversation& conv = it->second;
  conv.cancelled = true;
  if (conv.out != dir_state::ended && (conv.out == dir_state::open || !c.ours)) {
    write(c, flag_error, {value::integer(code::cancel)});
    conv.out = dir_state::ended;
  }
  if (conv.in == dir_state::open || conv.in == dir_state::idle) conv.in = dir_state::ignoring;
  maybe_close(c);
}

}  // namespace wirekit::moat
