// One packet connection over one byte stream: the asio side of packet::connection. It reads
// while the engine wants input, keeps one write in flight, hands every engine event to its
// owner, and when the engine has finished (EOF sent and the peer's input over) half-closes
// the stream and reports done. The owner calls flush() after each engine call it makes.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <system_error>
#include "wirekit/net/asio.hpp"

#include "wirekit/common/bytes.hpp"
#include "wirekit/net/byte_stream.hpp"
#include "wirekit/packet/connection.hpp"

namespace wirekit::pktconn {

class session : public std::enable_shared_from_this<session> {
 public:
  using event_handler = std::function<void(packet::event&)>;
  using done_handler = std::function<void()>;
  using written_handler = std::function<void()>;

  session(asio::io_context& io, std::unique_ptr<net::byte_stream> stream,
          packet::connection_config config, bool trace,
          std::size_t read_bytes = default_read_bytes);

  static constexpr std::size_t default_read_bytes = std::size_t{256} << 10;
  static constexpr std::size_t min_read_bytes = std::size_t{64} << 10;
  ~session();

  // on_written, if given, runs after each write of the engine's output has ended well: an
  // owner that holds back its requests while output waits can submit more then.
  void start(event_handler on_event, done_handler on_done, written_handler on_written = {});
  packet::connection& engine() { return engine_; }
  void flush();
  // Drops the stream at once (a timeout or a signal): nothing more is read or written.
  void abort();

  std::error_code read_error() const { return read_error_; }
  std::error_code write_error() const { return write_error_; }
  bool done() const { return done_; }
  // Writes of the engine's output started and ended (written, failed or cancelled). A payload
  // submitted by reference is no longer needed once writes_ended() reaches the value
  // writes_started() + 1 had when it was submitted.
  std::uint64_t writes_started() const { return writes_started_; }
  std::uint64_t writes_ended() const { return writes_ended_; }
  std::string describe() const { return stream_ ? stream_->describe() : "-"; }

 private:
  void start_read();
  void start_write();
  void check_done();

  asio::io_context& io_;
  std::unique_ptr<net::byte_stream> stream_;
  packet::connection engine_;
  bool trace_;
  event_handler on_event_;
  done_handler on_done_;
  written_handler on_written_;
  std::size_t read_bytes_;  // room asked for each read: one read can bring many packets
  packet::output writing_;  // in flight: its borrowed payloads must outlive the write
  std::uint64_t writes_started_ = 0;
  std::uint64_t writes_ended_ = 0;
  bool reading_ = false;
  bool write_in_flight_ = false;
  bool flushing_ = false;
  bool flush_again_ = false;
  bool shutdown_started_ = false;
  bool done_ = false;
  std::error_code read_error_;
  std::error_code write_error_;
};

}  // namespace wirekit::pktconn
