#include "wirekit/pktconn/session.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>

#include "wirekit/pktconn/trace.hpp"

namespace wirekit::pktconn {

session::session(asio::io_context& io, std::unique_ptr<net::byte_stream> stream,
                 packet::connection_config config, bool trace, std::size_t read_bytes)
    : io_(io),
      stream_(std::move(stream)),
      engine_([&] {
        config.trace = trace;
        return config;
      }()),
      trace_(trace),
      read_bytes_(std::max(read_bytes, min_read_bytes)) {}

session::~session() {
  if (stream_) stream_->close();
}

void session::start(event_handler on_event, done_handler on_done, written_handler on_written) {
  on_event_ = std::move(on_event);
  on_done_ = std::move(on_done);
  on_written_ = std::move(on_written);
  flush();
}

void session::abort() {
  if (done_) return;
  done_ = true;
  if (stream_) stream_->close();
}

// Settles everything an engine call may have changed; safe to call from inside on_event.
void session::flush() {
  if (flushing_) {
    flush_again_ = true;
    return;
  }
  flushing_ = true;
  do {
    flush_again_ = false;
    if (trace_) {
      while (auto r = engine_.poll_trace())
        fmt::print(stderr, "pktconn: {}\n", trace_line(*r));
    }
    while (auto e = engine_.poll_event()) {
      if (on_event_) on_event_(*e);
    }
    if (trace_) {
      while (auto r = engine_.poll_trace())
        fmt::print(stderr, "pktconn: {}\n", trace_line(*r));
    }
    if (!done_) {
      start_write();
      start_read();
    }
  } while (flush_again_);
  flushing_ = false;
  check_done();
}

void session::start_read() {
  if (reading_ || done_ || !engine_.wants_input()) return;
  // Taking output may have let the engine parse on: the events it made are handled first.
  // (The engine would keep the buffer their payloads lie in, but only by switching to
  // another one for this read.)
  if (engine_.has_events()) {
    flush_again_ = true;
    return;
  }
  reading_ = true;
  // Straight into the engine's buffer: packets are parsed where the kernel put them.
  const auto room = engine_.input_space(read_bytes_);
  stream_->async_read_some(asio::buffer(room.data(), room.size()),
                           [self = shared_from_this()](std::error_code ec, std::size_t n) {
                             self->reading_ = false;
                             if (ec == asio::error::operation_aborted || self->done_) return;
                             if (n > 0) self->engine_.input_written(n);
                             if (ec) {
                               if (ec != asio::error::eof) self->read_error_ = ec;
                               self->engine_.receive_end();
                             }
                             self->flush();
                           });
}

void session::start_write() {
  if (write_in_flight_ || done_ || write_error_) return;
  if (!engine_.has_output()) return;
  engine_.take_output(writing_);
  write_in_flight_ = true;
  ++writes_started_;
  auto done = [self = shared_from_this()](std::error_code ec, std::size_t) {
    self->write_in_flight_ = false;
    ++self->writes_ended_;
    self->writing_.keep.clear();  // the receive buffer may reuse what was answered from it
    if (ec == asio::error::operation_aborted || self->done_) return;
    if (ec) {
      // The peer stopped reading: what we still owe it cannot arrive. Keep reading, so its
      // EOF (or the end of the stream) still ends the conversation.
      self->write_error_ = ec;
      packet::output discard;
      while (self->engine_.has_output())
        self->engine_.take_output(discard);
    } else if (self->on_written_) {
      self->on_written_();
    }
    self->flush();
  };
  if (writing_.pieces.empty()) {
    stream_->async_write(asio::buffer(writing_.owned), std::move(done));
    return;
  }
  net::const_buffers bufs;
  bufs.reserve(writing_.pieces.size());
  for (const auto piece : writing_.pieces)
    bufs.emplace_back(piece.data(), piece.size());
  stream_->async_write_gather(std::move(bufs), std::move(done));
}

void session::check_done() {
  if (done_ || write_in_flight_ || engine_.has_output()) return;
  const bool sent_all = engine_.sending() == packet::send_state::eof_sent || write_error_;
  if (!sent_all || engine_.receive_open()) return;
  if (!shutdown_started_) {
    shutdown_started_ = true;
    if (!write_error_) {
      stream_->async_shutdown_write([self = shared_from_this()](std::error_code) {
        self->done_ = true;
        self->stream_->close();
        if (self->on_done_) self->on_done_();
      });
      return;
    }
    done_ = true;
    stream_->close();
    auto self = shared_from_this();
    asio::post(io_, [self] {
      if (self->on_done_) self->on_done_();
    });
  }
}

}  // namespace wirekit::pktconn
