#include "wirekit/moatcmd/session.hpp"

#include <fmt/core.h>

#include "wirekit/common/hex.hpp"
#include "wirekit/moat/json_mapping.hpp"
#include "wirekit/moatcmd/codec.hpp"

namespace wirekit::moatcmd {

namespace {
inline constexpr std::size_t read_chunk_bytes = 64 * 1024;
}

session::session(asio::io_context& io, std::unique_ptr<net::byte_stream> stream,
                 moat::engine& engine, session_hooks hooks, bool trace)
    : io_(io),
      stream_(std::move(stream)),
      engine_(engine),
      hooks_(std::move(hooks)),
      timer_(io),
      read_buf_(read_chunk_bytes),
      trace_(trace) {
  if (trace_) {
    moat::decoder_limits lenient;
    lenient.reference_rejects = false;
    trace_in_ = std::make_unique<moat::cbor_decoder>(lenient);
    trace_out_ = std::make_unique<moat::cbor_decoder>(lenient);
  }
}

void session::start() {
  read();
  kick();
}

void session::trace(const char* dir, byte_view data, moat::cbor_decoder& d) {
  d.feed(data);
  moat::value v;
  for (;;) {
    const auto r = d.next(v);
    if (r.status != moat::decode_status::complete) break;
    fmt::print(stderr, "moatcmd: {} {}\n", dir, table_row(v));
  }
}

void session::read() {
  if (down_) return;
  auto self = shared_from_this();
  stream_->async_read_some(asio::buffer(read_buf_), [this, self](std::error_code ec,
                                                                 std::size_t n) {
    if (ec == asio::error::operation_aborted || down_) return;
    if (ec) {
      eof_ = true;
      engine_.receive_eof();
      if (ec != asio::error::eof) return down(ec.message());
      kick();  // answers still owed are written, then the link ends
      return;
    }
    const byte_view data(read_buf_.data(), n);
    if (trace_) trace("<-", data, *trace_in_);
    engine_.receive(data);
    kick();
    // A peer that sends but does not read our answers is not read either; the write
    // completion resumes reading.
    if (writing_ && engine_.queued_bytes() + write_buf_.size() >= engine_.limits().max_queued_bytes)
      read_paused_ = true;
    else
      read();
  });
}

void session::kick() {
  if (kicking_) return;  // a hook that sends calls kick again; the loop below covers it
  kicking_ = true;
  for (int round = 0; round < 64; ++round) {
    const auto now = clock::now();
    bool any = false;
    while (auto ev = engine_.poll_event()) {
      any = true;
      if (ev->type == moat::event_type::link_down && !eof_) broken_ = ev->reason;
      if (hooks_.on_event) hooks_.on_event(engine_, *ev, now);
    }
    if (hooks_.on_tick) hooks_.on_tick(engine_, now);
    if (!any) break;
  }
  kicking_ = false;
  if (eof_ && engine_.failed()) finishing_ = true;
  if (!broken_.empty()) {
    // Undecodable input: what we still owe goes out, then the link ends.
    finishing_ = true;
    failure_ = broken_;
  }
  write();
  arm_timer();
}

void session::write() {
  if (writing_ || down_) return;
  if (engine_.queued_bytes() == 0) {
    if (finishing_) down(failure_);
    return;
  }
  engine_.take_output(write_buf_);
  if (trace_) trace("->", write_buf_, *trace_out_);
  writing_ = true;
  auto self = shared_from_this();
  stream_->async_write(asio::buffer(write_buf_), [this, self](std::error_code ec, std::size_t) {
    writing_ = false;
    write_buf_.clear();
    if (read_paused_ && !down_) {
      read_paused_ = false;
      read();
    }
    if (ec == asio::error::operation_aborted || down_) return;
    if (ec) {
      down(ec.message());
      return;
    }
    kick();
  });
}

void session::arm_timer() {
  if (down_ || !hooks_.next_deadline) return;
  const auto due = hooks_.next_deadline();
  if (!due) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*due);
  auto self = shared_from_this();
  timer_.async_wait([this, self](std::error_code ec) {
    if (ec || down_) return;
    kick();
  });
}

void session::finish() {
  finishing_ = true;
  write();
}

void session::down(const std::string& reason) {
  if (down_) return;
  down_ = true;
  timer_.cancel();
  stream_->close();
  if (hooks_.on_down) hooks_.on_down(reason);
}

}  // namespace wirekit::moatcmd
