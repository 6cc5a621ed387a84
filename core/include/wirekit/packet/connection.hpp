// A cs.packetstream connection as a sans-IO engine (spec/packetstream.md §2): bytes from the
// peer in, events and bytes for the peer out. Either end may make requests and answer them.
//
// The driver's loop: feed what it reads to receive() (and receive_end() when the stream
// ends), drain poll_event() after every call, answer each request event with respond(),
// write what take_output() gives, read only while wants_input() is true, and call close()
// when it is done (a server: when receive has ended). finished() means both directions are
// over: this end sent EOF and the peer's input ended.
//
// Every table is bounded (connection_limits). When the peer's requests fill the in-flight
// table, or too much output or too many events wait, parsing pauses and wants_input() turns
// false; it resumes by itself once respond(), take_output() or poll_event() make room.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "wirekit/common/bytes.hpp"
#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/packet.hpp"
#include "wirekit/packet/reject.hpp"
#include "wirekit/packet/tag_history.hpp"

namespace wirekit::packet {

struct connection_limits {
  std::size_t max_packet_bytes = default_max_packet_bytes;
  std::size_t max_inflight = 64;   // peer requests handed out and not yet answered
  std::size_t max_pending = 4096;  // our requests waiting for their responses
  std::size_t max_output_bytes = std::size_t{1} << 20;  // answers queued: parsing pauses above this
  std::size_t max_events = 4096;      // parsing pauses while this many events wait
  std::uint64_t channels = 1;         // channels 0..channels-1 are served and usable
  std::size_t max_tag_ranges = 1024;  // per channel, see tag_history
  // Unserved channels whose rejected tags are remembered (each like a served channel's
  // history); requests on further unserved channels are dropped, never answered twice.
  std::size_t max_unknown_channels = 64;
};

// Hard ceilings for the limits a flag can set.
inline constexpr std::uint64_t max_channels = 65536;

struct connection_config {
  connection_limits limits;
  bool accepts_requests = true;  // false: every request gets "no request handler"
  bool trace = false;            // keep a copy of every packet for poll_trace()
  // false: request and response events carry only payload_view, no copy (for drivers that
  // use or copy the payload before they next call receive() or receive_end()).
  bool copy_payloads = true;
};

enum class event_kind {
  request,         // the peer asks: answer it with respond(channel, tag, ...)
  response,        // the answer to one of our requests (ok false: failed or rejected)
  request_failed,  // one of our requests will never be answered (end says why)
  peer_erq,        // the peer will send no more requests
  receive_ended,   // no more packets will be read (end and error say why)
  notice,          // a packet was dropped or refused (notice says which)
};

enum class end_reason {
  none,
  eof_packet,     // the peer's EOF
  malformed_eof,  // a request with wire rq_type 0 that is neither EOF nor ERQ
  stream_closed,  // the stream ended between packets
  truncated,      // the stream ended inside a packet
  bad_packet,     // a packet could not be decoded (error says why)
};

enum class notice_kind {
  none,
  response_to_unknown_tag,  // dropped: no request of ours has that tag
  tag_reused,               // dropped: the peer reused a tag already answered
  duplicate_tag,            // rejected: the tag is still being handled
  duplicate_dropped,        // dropped: a third copy of a tag in use
  request_after_erq,        // rejected: the peer sent ERQ before
  unknown_channel,          // rejected: the channel is not served
  unknown_channel_dropped,  // dropped: too many unserved channels to remember their tags
  no_handler,               // rejected: this end serves no requests
  shutting_down,            // rejected: this end is closing
  after_eof,                // dropped: this end has sent EOF and cannot answer
  response_dropped,         // an answer was dropped: the tag was answered by a reject
  tag_history_merged,       // tag_history joined two ranges to stay in its bound
};

std::string_view to_string(end_reason end);
std::string_view to_string(notice_kind notice);

struct event {
  event_kind kind = event_kind::notice;
  std::uint64_t channel = 0;
  std::uint64_t tag = 0;
  std::uint64_t rq_type = 0;  // request: the user rq_type
  std::uint64_t flags = 0;    // request: request flags; response: user flags
  bool ok = false;            // response
  bytes payload;              // request, response (if copy_payloads)
  // request, response: the payload where it was parsed, in the caller's input or the
  // engine's buffer; valid until the next receive(), input_space() or receive_end() call
  // made after the event was polled (the caller's input for as long as the caller keeps it).
  byte_view payload_view;
  end_reason end = end_reason::none;        // receive_ended, request_failed
  decode_error error = decode_error::none;  // receive_ended with bad_packet
  notice_kind notice = notice_kind::none;   // notice
};

enum class submit_status {
  ok,
  closed,          // close() was called
  receive_ended,   // the peer's input has ended: no answer could be read
  full,            // max_pending requests are waiting
  bad_channel,     // channel >= limits.channels
  bad_rq_type,     // rq_type too large for the wire
  bad_flags,       // flags too large for the wire
  too_large,       // the packet would exceed max_packet_bytes
  tags_exhausted,  // the channel's tag counter reached 2^64 - 1
};

struct submit_result {
  submit_status status = submit_status::ok;
  std::uint64_t tag = 0;
};

enum class respond_status {
  sent,
  dropped,    // the tag was already answered (a reject) or EOF is sent: nothing goes out
  unknown,    // no request with that channel and tag is waiting for an answer
  bad_flags,  // flags too large: the failure "exception during handler" went out instead
  too_large,  // payload too large: the failure "exception during handler" went out instead
};

struct direction_record {
  bool sent = false;  // false: received
  bytes wire;         // one whole packet as on the wire
};

struct connection_stats {
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t requests_in = 0;
  std::uint64_t responses_in = 0;
  std::uint64_t requests_out = 0;
  std::uint64_t responses_out = 0;
  std::uint64_t rejects_out = 0;
  std::uint64_t dropped = 0;  // notices that dropped a packet or an answer
};

enum class send_state {
  open,      // requests and answers flow
  draining,  // ERQ sent by close(): waiting for our handlers, then EOF
  eof_sent,  // EOF sent: nothing more goes out
};

// The receive buffer. Not a vector: room for a read is not zero-filled first. Answers may
// be sent from it by reference (see connection::respond): while a keeper() is held, bytes
// already in it are never moved or overwritten; reuse switches to another buffer instead.
class input_buffer {
 public:
  std::size_t size() const { return len_; }
  byte_view view() const { return {data_.get(), len_}; }
  void append(byte_view b);
  void reserve(std::size_t n);
  void drop_front(std::size_t n);
  void clear() { drop_front(len_); }
  std::span<std::byte> room(std::size_t at_least);
  void grow(std::size_t n) { len_ += n; }
  std::shared_ptr<const void> keeper() const { return data_; }
  std::uint64_t buffers_made() const { return made_; }

 private:
  // Moves the last `keep` bytes to the front of a buffer nobody else holds.
  void restart_with_tail(std::size_t keep);

  std::shared_ptr<std::byte[]> data_;
  std::size_t len_ = 0;
  std::size_t cap_ = 0;
  struct left_buffer {
    std::shared_ptr<std::byte[]> data;
    std::size_t cap = 0;
  };
  // Buffers left behind while answers were sent from them: reused once free, so a busy
  // echo turns over a few buffers instead of faulting in fresh pages (at most max_left).
  // An echo into a slow pipe holds about max_output_bytes of answers queued plus the write
  // in flight: 6-8 buffers of 512 KiB with 64 KiB payloads. With room for only 4 it made a
  // buffer per read (measured: up to 170 000 page faults in serve per 537 MB); 16 keep at
  // most 8 MiB of such buffers at 512 KiB.
  static constexpr std::size_t max_left = 16;
  std::vector<left_buffer> left_;
  std::uint64_t made_ = 0;

  std::shared_ptr<std::byte[]> make(std::size_t size);
};

// Payloads at least this long are worth sending from where they lie (a piece of their own in
// a writev) rather than copying into the output; below it the copy costs less than the piece.
// The engine applies it to answers that lie in its receive buffer; drivers may to requests
// (submit_borrowed) and to their own writes.
inline constexpr std::size_t borrow_min_bytes = std::size_t{16} << 10;

// Output taken from the engine: owned bytes, with payloads submitted by reference between
// them. pieces lists the whole in wire order (views into owned and into those payloads);
// empty when nothing was borrowed, and owned is the whole output.
struct output {
  bytes owned;
  std::vector<byte_view> pieces;
  std::vector<std::shared_ptr<const void>> keep;  // what borrowed engine memory needs held
};

class connection {
 public:
  explicit connection(connection_config config = {});

  // Input from the peer.
  void receive(byte_view data);
  void receive_end();
  // The same without a copy: read into input_space(), then say how many bytes came with
  // input_written(n). Payload views of earlier events die as with receive().
  std::span<std::byte> input_space(std::size_t at_least);
  void input_written(std::size_t n);
  bool wants_input() const;
  bool receive_open() const { return !receive_ended_; }
  // Receive buffers made so far (each a mmap and a page fault per page): a busy connection
  // makes a few while they grow to size, then reuses them.
  std::uint64_t receive_buffers_made() const { return in_.buffers_made(); }

  // Our requests. The first tag on channel 0 is 2, on other channels 0; never reused.
  submit_result submit(std::uint64_t rq_type, std::uint64_t flags, byte_view payload,
                       std::uint64_t channel = 0);
  // The same without copying the payload: it goes out from where it lies, so it must stay
  // alive and unchanged until the output that carries it (take_output(output&)) has been
  // written. For payloads far bigger than a header, from memory that outlives the writes.
  submit_result submit_borrowed(std::uint64_t rq_type, std::uint64_t flags, byte_view payload,
                                std::uint64_t channel = 0);
  std::size_t pending() const { return pending_.size(); }

  // Answers to the peer's requests (each request event gets exactly one).
  respond_status respond(std::uint64_t channel, std::uint64_t tag, bool ok, std::uint64_t flags,
                         byte_view payload);
  std::size_t inflight() const { return inflight_.size(); }

  // ERQ now, staying open (the reference client may do this before more requests).
  void send_erq();
  // The reference's shutdown: ERQ, then the answers still being handled, then EOF.
  void close();

  // Output and events.
  // Everything to send, in one buffer (borrowed payloads copied in).
  void take_output(bytes& out);
  // The same, borrowed payloads left where they lie: write out.pieces if it is not empty.
  void take_output(output& out);
  bool has_output() const { return !out_.empty(); }
  // Bytes take_output() would give now, borrowed payloads included.
  std::size_t output_bytes() const;
  // Events not yet taken by poll_event(). take_output() and respond() may parse on and make
  // some. Their payload views outlive an input_space() or receive() made before they are
  // polled (the receive buffer they lie in is left alone until then), but poll them first
  // anyway: a read while events wait costs a switch of buffers.
  bool has_events() const { return events_waiting() > 0; }
  std::optional<event> poll_event();
  std::optional<direction_record> poll_trace();

  send_state sending() const { return send_state_; }
  bool peer_sent_erq() const { return peer_erq_; }
  bool finished() const { return send_state_ == send_state::eof_sent && receive_ended_; }
  const connection_stats& stats() const { return stats_; }

 private:
  struct key {
    std::uint64_t channel;
    std::uint64_t tag;
    bool operator==(const key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const {
      return std::hash<std::uint64_t>{}(k.tag * 0x9e3779b97f4a7c15ULL ^ k.channel);
    }
  };
  struct inflight_entry {
    bool answered = false;  // a reject already went out for this tag: drop the real answer
  };

  void pump();
  std::size_t parse(byte_view data);
  bool stalled() const;
  std::size_t events_waiting() const { return events_.size() - events_head_; }
  std::size_t missing_bytes() const;
  tag_history& history_for(std::uint64_t channel);
  void handle(const packet& p);
  void handle_request(const packet& p);
  void handle_response(const packet& p);
  void handle_unknown_channel(const packet& p);
  void end_receive(end_reason end, decode_error error = decode_error::none);
  void set_send_state(send_state next);
  void maybe_send_eof();
  // Control packets and rejects are small: no size limit applies to them.
  encode_status send(const packet& p, std::size_t max_packet_bytes = SIZE_MAX,
                     bool borrow_payload = false, std::shared_ptr<const void> keeper = {});
  submit_result submit_packet(std::uint64_t rq_type, std::uint64_t flags, byte_view payload,
                              std::uint64_t channel, bool borrow_payload);
  void reject(std::uint64_t channel, std::uint64_t tag, reject_reason reason, notice_kind why);
  void notify(notice_kind kind, std::uint64_t channel, std::uint64_t tag, bool dropped);

  connection_config config_;
  input_buffer in_;
  std::size_t in_pos_ = 0;
  bytes out_;
  // Payloads sent by reference: each goes on the wire after out_'s first `at` bytes.
  struct borrowed_payload {
    std::size_t at;
    byte_view payload;
    std::shared_ptr<const void> keeper;  // for answers sent from in_
  };
  std::vector<borrowed_payload> borrowed_;
  // Receive buffers that events not yet polled point into, held from the input_space() or
  // receive() that would otherwise reuse them until the last of those events is polled.
  std::vector<std::shared_ptr<const void>> pinned_;
  void pin_for_waiting_events();
  // Answers and rejects in out_: what a flooding peer can make us queue. Our own requests
  // are bounded by max_pending, and counting them could stop us reading the answers that
  // free the window (both ends blocked on full pipes).
  std::size_t answer_bytes_ = 0;
  // A queue drained whole after every engine call: a vector read from events_head_ (a deque
  // of these large events would allocate a block every few packets).
  std::vector<event> events_;
  std::size_t events_head_ = 0;
  std::deque<direction_record> trace_;
  std::unordered_map<key, inflight_entry, key_hash> inflight_;
  std::unordered_set<key, key_hash> pending_;
  std::unordered_map<std::uint64_t, std::uint64_t> next_tag_;
  std::unordered_map<std::uint64_t, tag_history> seen_tags_;
  std::uint64_t last_history_channel_ = 0;
  tag_history* last_history_ = nullptr;  // seen_tags_[last_history_channel_]: nodes are stable
  // Tags rejected on channels we do not serve: the reference never answers a
  // (channel, tag) twice, rejects included (§2.4), so a repeat is dropped like any reuse.
  std::unordered_map<std::uint64_t, tag_history> unknown_seen_;
  send_state send_state_ = send_state::open;
  bool receive_ended_ = false;
  bool input_closed_ = false;  // receive_end() called; buffered bytes still to parse
  bool peer_erq_ = false;
  bool parsing_ = false;
  connection_stats stats_;
};

}  // namespace wirekit::packet
