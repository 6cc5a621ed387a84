// Runs a MoaT-Cmd engine over a byte_stream on one io_context: reads feed the engine, events
// go to the application, output is written with one write in flight, and one timer serves
// the application's next deadline.
#pragma once

// A standard header before asio: asio picks its aligned allocator from what libstdc++ has
// declared, and every translation unit must pick the same one (ASan checks new/free pairs).
#include <cstddef>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include "wirekit/net/asio.hpp"

#include "wirekit/moat/engine.hpp"
#include "wirekit/net/byte_stream.hpp"

namespace wirekit::moatcmd {

using clock = std::chrono::steady_clock;

struct session_hooks {
  std::function<void(moat::engine&, const moat::event&, clock::time_point)> on_event;
  // After each batch of events and after every completed write: resume paused work.
  std::function<void(moat::engine&, clock::time_point)> on_tick;
  std::function<std::optional<clock::time_point>()> next_deadline;
  // The link ended (EOF, error, or close()); reason is empty for a clean EOF.
  std::function<void(const std::string& reason)> on_down;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(asio::io_context& io, std::unique_ptr<net::byte_stream> stream, moat::engine& engine,
          session_hooks hooks, bool trace);

  void start();
  // Processes events, writes output, re-arms the timer. Safe to call at any time.
  void kick();
  // Ends the link once everything queued has been written.
  void finish();
  bool output_idle() const { return !writing_ && engine_.queued_bytes() == 0; }

 private:
  void read();
  void write();
  void arm_timer();
  void down(const std::string& reason);
  void trace(const char* dir, byte_view data, moat::cbor_decoder& d);

  asio::io_context& io_;
  std::unique_ptr<net::byte_stream> stream_;
  moat::engine& engine_;
  session_hooks hooks_;
  asio::steady_timer timer_;
  std::vector<std::byte> read_buf_;
  bytes write_buf_;
  bool writing_ = false;
  bool finishing_ = false;
  bool down_ = false;
  bool kicking_ = false;
  bool trace_ = false;
  bool eof_ = false;
  bool read_paused_ = false;  // our output is backed up: the peer is not read meanwhile
  std::string broken_;        // the engine lost the input stream
  std::string failure_;       // reason given to on_down after finishing
  std::unique_ptr<moat::cbor_decoder> trace_in_, trace_out_;
};

}  // namespace wirekit::moatcmd
