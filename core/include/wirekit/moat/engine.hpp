// The MoaT-Cmd engine, sans-IO: bytes in (receive), bytes out (take_output), events out
// (poll_event), and calls from the application (call, send, finish, fail, …). Both peers are
// symmetric: either side opens conversations in its own id space.
//
// Guarantees kept whatever the peer sends: exactly one final per direction from us; a 0.3
// peer is never sent a credit, a header-only message, or a warning while it is not reading a
// stream from us (each of those crashes moat-lib-cmd 0.3.3); malformed or unexpected input
// is dropped with a counted reason, and only undecodable CBOR ends the link.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/moat/cbor_decoder.hpp"
#include "wirekit/moat/message.hpp"
#include "wirekit/moat/value.hpp"

namespace wirekit::moat {

// A conversation: whose id space (ours: we opened it) and its wire id.
struct conv_ref {
  bool ours = true;
  std::uint64_t wid = 0;
  auto operator<=>(const conv_ref&) const = default;
};

enum class call_mode {
  plain,        // one command, one reply
  stream_in,    // stream_r: the peer streams to us
  stream_out,   // stream_w: we stream to the peer
  stream_both,  // stream_rw
};

struct engine_limits {
  std::size_t max_conversations = 1024;    // open conversations, both id spaces together
  std::size_t max_queued_events = 4096;    // input is left unparsed while this many wait
  std::size_t max_queued_bytes = 4 << 20;  // unsent output; stream items wait beyond it
  std::size_t max_pending_credits = 64;    // credits received for ids not yet opened
  std::int64_t receive_window = 42;        // 0.4: credit granted per stream we read
  decoder_limits cbor;
};

enum class event_type {
  command,    // the peer opened a conversation: cmd, args, kw; streaming = its S bit
  opened,     // the peer's first stream message on our streaming call
  item,       // a stream item
  final,      // the peer's direction ended normally with data (a reply, or its [null] close)
  error,      // the peer's direction ended with an error: data, code if one int
  warning,    // a warning: data, code if one negative int
  credit,     // the peer may now take `code` more items
  closed,     // both directions ended; the id is free
  link_down,  // the input is lost (reason); every conversation got an error and closed
};

struct event {
  event_type type = event_type::item;
  conv_ref conv;
  value cmd;     // command
  payload args;  // command (without cmd and kw)
  value kw;      // command
  payload data;  // everything else: the payload after the header
  std::int64_t code = 0;
  bool streaming = false;
  std::string reason;
};

enum class send_status {
  ok,
  paused,      // no credit left or the stream is not open yet: retry after credit/opened
  full,        // the output queue is at its limit: retry after take_output
  stopped,     // the peer ended its side with an error; our final was sent for us
  closed,      // no such conversation or our direction already ended
  suppressed,  // would crash a 0.3 peer; not sent
};

std::string_view to_string(send_status s);

struct engine_stats {
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t dropped_malformed = 0;  // not a non-empty array with an integer header
  std::uint64_t dropped_spurious = 0;   // for an id that is not open, or an error opening one
  std::uint64_t dropped_late = 0;       // after the peer's final on that id
  std::uint64_t dropped_unwanted = 0;   // stream items nobody reads
  std::uint64_t skipped_items = 0;      // CBOR items the decoder skipped
  std::uint64_t suppressed_warnings = 0;
  std::uint64_t suppressed_values = 0;  // tag 1 or simple values a 0.3 peer cannot decode
  std::uint64_t refused_conversations = 0;
};

class engine {
 public:
  explicit engine(dialect d = dialect::v0_3, engine_limits limits = {});

  // ---- input
  void receive(byte_view data);
  // The peer closed its side: conversations that wait for the peer or stream to it fail with
  // LinkDown; commands already received may still be answered. link_down follows once no
  // conversation is left.
  void receive_eof();
  // One decoded message (receive() calls this for every item).
  void receive_message(const value& msg);
  void receive_message(value&& msg);

  // ---- output
  std::optional<event> poll_event();
  bytes take_output();
  // The same into a buffer the caller reuses (its old contents are dropped).
  void take_output(bytes& into);
  std::size_t queued_bytes() const { return out_.size(); }
  // False while events wait unread at the limit (the driver should stop reading).
  bool wants_input() const;

  // ---- the application
  // Opens a conversation; nullopt when the table is full.
  std::optional<conv_ref> call(const value& cmd, payload args = {}, const value& kw = empty_map(),
                               call_mode mode = call_mode::plain);
  // Responder: the opening reply of a stream (either direction).
  send_status open_stream(conv_ref c, payload args = {}, const value& kw = empty_map());
  send_status send(conv_ref c, const payload& args, const value& kw = empty_map());
  // A stream item with one positional value and no kwargs (the common case, without a
  // payload to build).
  send_status send_item(conv_ref c, const value& item);
  // Our final: a reply, or the end of our stream with a result.
  send_status finish(conv_ref c, payload args, const value& kw = empty_map());
  // Ends our stream direction as 0.3.3 does when leaving a stream block: [h, null].
  send_status close(conv_ref c);
  // Error final: ["ClassName", *args] or one protocol code.
  send_status fail(conv_ref c, payload data);
  send_status fail_code(conv_ref c, std::int64_t code);
  send_status warn(conv_ref c, payload data);
  // We give up on c: a streaming direction still open gets a cancel (-3) final; whatever
  // the peer still sends is consumed silently until its final frees the id.
  void cancel(conv_ref c);

  // ---- inspection
  bool is_open(conv_ref c) const { return convs_.count(c) != 0; }
  bool can_send(conv_ref c) const;
  std::size_t conversations() const { return convs_.size(); }
  bool failed() const { return failed_; }
  const engine_stats& stats() const { return stats_; }
  dialect wire_dialect() const { return dialect_; }
  const engine_limits& limits() const { return limits_; }

 private:
  enum class dir_state { idle, open, ignoring, ended };
  struct conversation {
    dir_state in = dir_state::idle;
    dir_state out = dir_state::idle;
    call_mode mode = call_mode::plain;
    bool got_reply = false;
    bool cancelled = false;
    std::optional<std::int64_t> credit;  // items we may still send; nullopt: never limited
    std::int64_t consumed = 0;           // 0.4: items read since our last grant
  };

  void pump(std::size_t target);  // decodes until `target` events wait (or input runs out)
  void write(conv_ref c, unsigned flags, const payload& p);
  // [header, *items, tail?] straight into the output (tail: the kwargs map the packing rule
  // asks for, or nullptr).
  void write_message(conv_ref c, unsigned flags, std::span<const value> items, const value* tail);
  send_status send_packed(conv_ref c, std::span<const value> args, const value& kw);
  void send_credit(conv_ref c, std::int64_t n);
  std::optional<std::uint64_t> allocate_id();
  void emit(event e);
  std::size_t queued_events() const { return events_.size() - events_head_; }
  void maybe_close(conv_ref c);
  void link_down(std::string reason);
  void incoming_new(const header& h, payload p);

  dialect dialect_;
  engine_limits limits_;
  cbor_decoder decoder_;
  bytes out_;
  std::vector<event> events_;  // events_[events_head_…] wait to be polled
  std::size_t events_head_ = 0;
  std::map<conv_ref, conversation> convs_;
  std::map<std::uint64_t, std::int64_t> pending_credit_;  // peer ids not yet opened
  std::uint64_t last_local_id_ = 1;                       // 0.3.3 local ids start at 1
  bool failed_ = false;
  bool eof_ = false;
  std::string eof_reason_;
  std::optional<std::string> pending_down_;  // link_down once queued events are read
  engine_stats stats_;
};

}  // namespace wirekit::moat
