#include "wirekit/pktconn/call.hpp"
#include "wirekit/net/stop_signals.hpp"

#include <fmt/core.h>

#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>

#include <cerrno>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "wirekit/cli/errors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/common/page_buffer.hpp"
#include "wirekit/packet/packet_json.hpp"
#include "wirekit/pktconn/session.hpp"

namespace wirekit::pktconn {

namespace {

// Payloads of packet::borrow_min_bytes or more are written from where they lie (requests
// from their stdin chunk, answers from the receive buffer), not copied into a batch.
using packet::borrow_min_bytes;

struct outgoing {
  std::uint64_t rq_type = 0;
  std::uint64_t flags = 0;
  std::uint64_t channel = 0;
  bytes owned;        // a payload made here (arguments, JSON)
  byte_view payload;  // owned, or a line of the current stdin chunk (sent by reference)
};

// One request in order of submission; printed once it and all before it are settled.
struct slot {
  std::size_t number = 0;  // 1-based, in input order
  std::size_t seq = 0;     // position among the slots ever made
  std::uint64_t channel = 0;
  std::uint64_t tag = 0;
  bool settled = false;
  bool answered = false;
  bool ok = false;
  std::uint64_t flags = 0;
  bytes payload;
  byte_view view;  // instead of payload while has_view: valid during on_event only
  bool has_view = false;
  std::string no_answer;  // why there is no answer
};

// A buffer of stdin bytes, its pages populated at once (page_buffer.hpp); reused, never
// cleared (a vector would zero-fill it, which costs as much as the read).
struct raw_chunk {
  page_buffer data;
  std::size_t size = 0;  // bytes in use
  std::size_t capacity = 0;
  // Where each '\n' in the chunk is: found by the reader while the bytes are in its cache,
  // so the loop that sends the lines does not scan them again.
  std::vector<std::size_t> line_ends;

  static raw_chunk make(std::size_t capacity) {
    return raw_chunk{make_page_buffer(capacity), 0, capacity, {}};
  }
};

// Reads stdin in big reads and hands over chunks of whole lines (a line cut by a read moves
// on to the next chunk), so lines are found and sent where they lie: no copy and no lock
// per line. A pipe or terminal is read on a thread of its own (asio cannot wait on every
// kind of stdin, and a blocking read must not stop the loop), at most max_chunks ahead; the
// thread owns a share of the state, so it may outlive the reader while it sits in a read.
// A regular file is read by pop() itself, on the loop's thread: its reads never wait.
class stdin_reader {
 public:
  // cat's read size: big enough to make reads cheap, small enough to stay in the cache.
  static constexpr std::size_t read_bytes = std::size_t{256} << 10;
  static constexpr std::size_t max_chunks = 8;
  // Chunks kept for reuse: those lent to requests in flight come back too.
  static constexpr std::size_t max_spare = 32;

  stdin_reader(asio::io_context& io, std::size_t max_line, std::function<void()> wake)
      : state_(std::make_shared<state>()) {
    state_->io = &io;
    state_->wake = std::move(wake);
    state_->max_line = max_line;
    // A regular file never makes a read wait: the loop reads it when it wants lines, which
    // keeps the bytes in the cache of the thread that sends them and saves every handoff.
    struct stat st {};
    state_->inline_reads = ::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
    if (!state_->inline_reads) {
      std::thread([st = state_] {
        while (read_once(*st)) {
        }
      }).detach();
    }
  }
  ~stdin_reader() {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->io = nullptr;
    state_->cv.notify_all();
  }

  // A chunk the caller is done with, to read into again (fresh pages cost a fault each).
  void give_back(raw_chunk&& chunk) {
    std::lock_guard lock(state_->mutex);
    if (chunk.data && chunk.capacity == read_bytes && state_->spare.size() < max_spare) {
      chunk.size = 0;
      chunk.line_ends.clear();
      state_->spare.push_back(std::move(chunk));
    }
  }

  // A chunk of whole lines, or false with *ended telling whether more can come.
  bool pop(raw_chunk& into, bool* ended) {
    if (state_->inline_reads) {
      while (state_->chunks.empty() && !state_->ended && read_once(*state_)) {
      }
    }
    std::lock_guard lock(state_->mutex);
    *ended = state_->ended && state_->chunks.empty();
    if (state_->chunks.empty()) return false;
    into = std::move(state_->chunks.front());
    state_->chunks.pop_front();
    // A full queue's reader is woken once half of it is gone, not per chunk.
    if (state_->chunks.size() == max_chunks / 2) state_->cv.notify_all();
    return true;
  }

 private:
  struct state {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<raw_chunk> chunks;
    std::vector<raw_chunk> spare;  // consumed chunks of read_bytes, to read into again
    asio::io_context* io = nullptr;
    std::function<void()> wake;
    bool ended = false;
    bool stopping = false;
    bool inline_reads = false;  // stdin is a regular file: pop() reads, on the loop's thread
    std::size_t max_line = 0;
    // Where reading stands: a line not ended yet at the start of buf (carry bytes), and
    // whether the rest of a line longer than any packet is being dropped.
    raw_chunk buf;
    std::size_t carry = 0;
    bool skipping = false;
  };

  static bool deliver(state& st, raw_chunk&& chunk) {
    std::unique_lock lock(st.mutex);
    st.cv.wait(lock, [&] { return st.chunks.size() < max_chunks || st.stopping; });
    if (st.stopping) return false;
    const bool was_empty = st.chunks.empty();
    st.chunks.push_back(std::move(chunk));
    // One wake per batch: the loop takes every chunk there is when it runs.
    if (was_empty && st.io && !st.inline_reads) asio::post(*st.io, st.wake);
    return true;
  }

  static raw_chunk fresh(state& st, std::size_t capacity) {
    if (capacity <= read_bytes) {
      std::lock_guard lock(st.mutex);
      if (!st.spare.empty()) {
        auto c = std::move(st.spare.back());
        st.spare.pop_back();
        return c;
      }
      capacity = read_bytes;
    }
    return raw_chunk::make(capacity);
  }

  // One read of stdin; hands over the whole lines it completes. False once stdin is over
  // (its last, unended line handed over too) or the reader is stopping.
  static bool read_once(state& st) {
    auto& buf = st.buf;
    auto& carry = st.carry;
    if (!buf.data) buf = fresh(st, read_bytes);
    if (buf.capacity - carry < read_bytes / 2) {
      auto bigger = raw_chunk::make(carry + read_bytes);
      std::memcpy(bigger.data.get(), buf.data.get(), carry);
      buf = std::move(bigger);
    }
    std::byte* const at = buf.data.get();
    const auto n = ::read(STDIN_FILENO, at + carry, buf.capacity - carry);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return finish(st);
    std::size_t end = carry + static_cast<std::size_t>(n);
    std::size_t scan_from = carry;  // the carried bytes hold no '\n'
    if (st.skipping) {
      const auto* nl =
          static_cast<const std::byte*>(std::memchr(at + carry, '\n', static_cast<std::size_t>(n)));
      if (nl == nullptr) return true;
      const auto from = static_cast<std::size_t>(nl - at);
      std::memmove(at + carry, nl, end - from);
      end = carry + (end - from);
      st.skipping = false;
    }
    // One pass over the new bytes finds every line end, the last one included.
    buf.line_ends.clear();
    for (std::size_t from = scan_from; from < end;) {
      const auto* nl = static_cast<const std::byte*>(std::memchr(at + from, '\n', end - from));
      if (nl == nullptr) break;
      buf.line_ends.push_back(static_cast<std::size_t>(nl - at));
      from = buf.line_ends.back() + 1;
    }
    const std::size_t whole = buf.line_ends.empty() ? 0 : buf.line_ends.back() + 1;
    if (whole > 0) {
      auto next = fresh(st, end - whole);
      std::memcpy(next.data.get(), at + whole, end - whole);
      buf.size = whole;
      if (!deliver(st, std::move(buf))) return false;
      buf = std::move(next);
    }
    carry = end - whole;
    // Longer than any packet may be: keep one byte too many so the submit refuses it.
    if (carry > st.max_line) {
      carry = st.max_line + 1;
      st.skipping = true;
    }
    return true;
  }

  // stdin is over: its last line, if it has no newline, then the end.
  static bool finish(state& st) {
    if (st.carry > 0) {
      st.buf.size = st.carry;
      st.carry = 0;
      if (!deliver(st, std::move(st.buf))) return false;
    }
    std::lock_guard lock(st.mutex);
    st.ended = true;
    if (st.io && !st.inline_reads) asio::post(*st.io, st.wake);
    return false;
  }

  std::shared_ptr<state> state_;
};

// The requests in flight, in submission order: a ring as long as the window.
class slot_ring {
 public:
  explicit slot_ring(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  slot& front() { return ring_[head_]; }
  slot& operator[](std::size_t i) { return ring_[(head_ + i) % ring_.size()]; }
  slot& push() {
    auto& s = ring_[(head_ + count_) % ring_.size()];
    s = slot{};
    ++count_;
    return s;
  }
  void pop_front() {
    ring_[head_].payload = {};
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }
  // The slot with sequence number seq, if it is in the ring.
  slot* find_seq(std::size_t seq) {
    if (count_ == 0 || seq - front().seq >= count_) return nullptr;
    return &(*this)[seq - front().seq];
  }

 private:
  std::vector<slot> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

class caller {
 public:
  caller(asio::io_context& io, const call_config& config)
      : io_(io),
        config_(config),
        signals_(io, SIGINT, SIGTERM),
        idle_timer_(io),
        // Over "-" stdout carries the packets: answers go to stderr instead.
        out_(config.where.kind == net::endpoint_kind::stdio ? stderr : stdout),
        slots_(config.window) {}

  void start() {
    signals_.async_wait([this](std::error_code ec, int) {
      if (ec) return;
      interrupted_ = true;
      input_done_ = true;
      if (!session_) return io_.stop();
      session_->engine().close();
      session_->flush();
    });
    if (config_.payloads.empty()) {
      reader_ =
          std::make_unique<stdin_reader>(io_, config_.limits.max_packet_bytes, [this] { pump(); });
    }
    net::async_connect_stream(
        io_, config_.where, config_.stream,
        [this](std::error_code ec, std::unique_ptr<net::byte_stream> s) {
          if (ec) {
            throw cli::failure(fmt::format("cannot connect to {}: {}",
                                           net::to_string(config_.where), ec.message()));
          }
          packet::connection_config cc;
          cc.limits = config_.limits;
          cc.limits.max_pending = config_.window;
          cc.limits.channels = std::max(cc.limits.channels, config_.channel + 1);
          cc.accepts_requests = false;
          cc.copy_payloads = false;  // on_event prints or copies each answer
          session_ =
              std::make_shared<session>(io_, std::move(s), cc, config_.trace,
                                        std::max(config_.pipe_bytes, session::default_read_bytes));
          session_->start([this](packet::event& e) { on_event(e); }, [this] { on_done(); },
                          [this] { pump(); });
          arm_idle_timer();
          pump();
        });
  }

  cli::exit_code result() const {
    if (interrupted_) return cli::exit_code::interrupted;
    return failed_ ? cli::exit_code::failed : cli::exit_code::ok;
  }

 private:
  std::optional<outgoing> next_request() {
    if (!config_.payloads.empty() || !reader_) {
      if (next_arg_ >= config_.payloads.size()) {
        input_done_ = true;
        return std::nullopt;
      }
      outgoing o{config_.rq_type,
                 config_.flags,
                 config_.channel,
                 to_bytes(config_.payloads[next_arg_++]),
                 {}};
      return o;
    }
    for (;;) {
      if (chunk_pos_ >= chunk_.size) {
        // Only a chunk that lines went out from must outlive the write that carries them.
        if (chunk_.data && chunk_borrowed_) {
          lend(std::move(chunk_));
        } else if (chunk_.data) {
          reader_->give_back(std::move(chunk_));
        }
        chunk_borrowed_ = false;
        chunk_ = raw_chunk{};
        chunk_pos_ = 0;
        chunk_line_ = 0;
        bool ended = false;
        if (!reader_->pop(chunk_, &ended)) {
          if (ended) input_done_ = true;
          return std::nullopt;
        }
        continue;
      }
      const auto* begin = chunk_.data.get() + chunk_pos_;
      std::size_t length = chunk_.size - chunk_pos_;  // the last line of the input, unended
      if (chunk_line_ < chunk_.line_ends.size()) {
        length = chunk_.line_ends[chunk_line_++] - chunk_pos_;
        chunk_pos_ += length + 1;
      } else {
        chunk_pos_ += length;
      }
      ++line_number_;
      const byte_view line(begin, length);
      // The payload is sent from the chunk, which lives until the write that carries it ends.
      if (config_.format == input_format::line)
        return outgoing{config_.rq_type, config_.flags, config_.channel, {}, line};
      const std::string text(as_chars(line));
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto parsed = parse_json_request(text);
      if (parsed) return parsed;
    }
  }

  std::optional<outgoing> parse_json_request(const std::string& line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    auto bad = [&](const std::string& why) -> std::optional<outgoing> {
      fmt::print(stderr, "pktconn: call: input line {}: {}\n", line_number_, why);
      failed_ = true;
      return std::nullopt;
    };
    if (!j.is_object()) return bad("not a JSON object");
    outgoing o{config_.rq_type, config_.flags, config_.channel, {}, {}};
    auto u64 = [&](const char* name, std::uint64_t& into) {
      if (!j.contains(name)) return true;
      if (!j[name].is_number_unsigned()) return false;
      into = j[name].get<std::uint64_t>();
      return true;
    };
    if (!u64("type", o.rq_type) || !u64("rq_type", o.rq_type) || !u64("flags", o.flags) ||
        !u64("channel", o.channel))
      return bad("type, rq_type, flags and channel must be unsigned integers");
    if (j.contains("payload_hex")) {
      auto b = j["payload_hex"].is_string() ? from_hex(j["payload_hex"].get<std::string>())
                                            : std::nullopt;
      if (!b) return bad("payload_hex is not hex");
      o.owned = std::move(*b);
    } else if (j.contains("payload")) {
      if (!j["payload"].is_string()) return bad("payload must be a string");
      o.owned = to_bytes(j["payload"].get<std::string>());
    }
    return o;
  }

  // Submits while the window has room and input is there; closes once all is settled.
  void pump() {
    if (!session_ || session_->done()) return;
    auto& engine = session_->engine();
    if (activity_) {
      activity_ = false;
      last_activity_ = std::chrono::steady_clock::now();
    }
    print_settled();  // frees window room
    if (reader_) return_lent();
    while (!input_done_ && slots_.size() < config_.window && engine.receive_open() &&
           engine.sending() == packet::send_state::open &&
           engine.output_bytes() < max_queued_bytes()) {
      auto o = next_request();
      if (!o) break;
      // A big stdin line goes out from its chunk, not copied into the output (the copy and a
      // growing output buffer cost more than the pipe write); a small one is copied, since a
      // piece of its own in the write costs more than the copy.
      const auto payload = o->owned.empty() ? o->payload : byte_view(o->owned);
      const bool borrow = o->owned.empty() && payload.size() >= borrow_min_bytes;
      const auto r = borrow ? engine.submit_borrowed(o->rq_type, o->flags, payload, o->channel)
                            : engine.submit(o->rq_type, o->flags, payload, o->channel);
      if (borrow && r.status == packet::submit_status::ok) chunk_borrowed_ = true;
      ++submitted_;
      if (r.status != packet::submit_status::ok) {
        fmt::print(stderr, "pktconn: call: request {} not sent: {}\n", submitted_,
                   submit_reason(r.status));
        failed_ = true;
        continue;
      }
      if (next_seq_ == 0) {
        channel_ = o->channel;
        tag_base_ = r.tag;
      } else if (!mixed_ && o->channel != channel_) {
        // A second channel: tags no longer follow sequence numbers, look them up instead.
        mixed_ = true;
        for (std::size_t i = 0; i < slots_.size(); ++i) {
          if (!slots_[i].settled) waiting_[{slots_[i].channel, slots_[i].tag}] = slots_[i].seq;
        }
      }
      auto& s = slots_.push();
      s.number = submitted_;
      s.channel = o->channel;
      s.tag = r.tag;
      s.seq = next_seq_++;
      if (mixed_) waiting_[{s.channel, s.tag}] = s.seq;
    }
    if (!engine.receive_open() && !input_done_) {
      // The peer is gone: whatever is left of the input can never be answered.
      input_done_ = true;
      if (next_request_available()) {
        fmt::print(
            stderr,
            "pktconn: call: the peer ended the conversation before all requests were sent\n");
        failed_ = true;
      }
    }
    print_settled();
    std::fflush(out_);
    if (input_done_ && slots_.empty() && engine.sending() == packet::send_state::open)
      engine.close();
    session_->flush();
  }

  // A chunk whose lines were all submitted: kept while the output that carries its last
  // lines may still be written, then read into again.
  void lend(raw_chunk&& chunk) {
    const auto until = session_ ? session_->writes_started() + 1 : 0;
    lent_.push_back({std::move(chunk), until});
  }
  void return_lent() {
    while (!lent_.empty() && session_ && lent_.front().until_write <= session_->writes_ended()) {
      reader_->give_back(std::move(lent_.front().chunk));
      lent_.pop_front();
    }
  }

  bool next_request_available() {
    if (!reader_) return next_arg_ < config_.payloads.size();
    return true;  // stdin was not at its end
  }

  // Requests wait in the engine's output only about as long as the write in flight: a longer
  // queue lets stdin run megabytes ahead of the pipe (a window of 64 KiB lines is 4 MiB), and
  // the chunks it holds fall out of the cache before their bytes are written. Measured with
  // 64 KiB lines through exec: pipes: 155 ms per 131 MB without the limit, 128 ms with it.
  // session::on_written submits more once the queue has gone out.
  std::size_t max_queued_bytes() const {
    return std::max(config_.pipe_bytes, session::default_read_bytes);
  }

  static std::string_view submit_reason(packet::submit_status s) {
    switch (s) {
      case packet::submit_status::ok:
        return "ok";
      case packet::submit_status::closed:
        return "connection closing";
      case packet::submit_status::receive_ended:
        return "the peer ended the conversation";
      case packet::submit_status::full:
        return "too many requests waiting";
      case packet::submit_status::bad_channel:
        return "channel out of range";
      case packet::submit_status::bad_rq_type:
        return "rq_type too large";
      case packet::submit_status::bad_flags:
        return "flags too large";
      case packet::submit_status::too_large:
        return "payload larger than --max-packet";
      case packet::submit_status::tags_exhausted:
        return "tags exhausted";
    }
    return "?";
  }

  slot* find_slot(std::uint64_t channel, std::uint64_t tag) {
    if (!mixed_) {
      // One channel: tags go up by one per slot, so the tag gives the slot.
      if (channel != channel_) return nullptr;
      auto* s = slots_.find_seq(static_cast<std::size_t>(tag - tag_base_));
      if (s == nullptr || s->tag != tag || s->channel != channel || s->settled) return nullptr;
      return s;
    }
    const auto it = waiting_.find({channel, tag});
    if (it == waiting_.end()) return nullptr;
    const auto seq = it->second;
    waiting_.erase(it);
    return slots_.find_seq(seq);
  }

  void on_event(packet::event& e) {
    using packet::event_kind;
    switch (e.kind) {
      case event_kind::response:
        if (auto* s = find_slot(e.channel, e.tag)) {
          s->settled = s->answered = true;
          s->ok = e.ok;
          s->flags = e.flags;
          if (s == &slots_.front()) {
            // Next in order: printed from where it was read, no copy.
            s->view = e.payload_view;
            s->has_view = true;
            print_settled();
          } else {
            s->payload.assign(e.payload_view.begin(), e.payload_view.end());
          }
        }
        activity_ = true;
        break;
      case event_kind::request_failed:
        if (auto* s = find_slot(e.channel, e.tag)) {
          s->settled = true;
          s->no_answer = std::string(packet::to_string(e.end));
        }
        break;
      case event_kind::receive_ended:
        if (e.end == packet::end_reason::bad_packet || e.end == packet::end_reason::truncated) {
          failed_ = true;
          std::string why(packet::to_string(e.end));
          if (e.end == packet::end_reason::bad_packet)
            why += fmt::format(": {}", packet::to_string(e.error));
          fmt::print(stderr, "pktconn: call: {} from {}\n", why, session_->describe());
        } else if (session_->read_error()) {
          failed_ = true;
          fmt::print(stderr, "pktconn: call: reading {}: {}\n", session_->describe(),
                     session_->read_error().message());
        } else if (e.end != packet::end_reason::eof_packet && config_.verbose) {
          fmt::print(stderr, "pktconn: call: {}\n", packet::to_string(e.end));
        }
        break;
      case event_kind::notice:
        if (config_.verbose) {
          fmt::print(stderr, "pktconn: call: channel {} tag {}: {}\n", e.channel, e.tag,
                     packet::to_string(e.notice));
        }
        break;
      default:
        break;
    }
    schedule_pump();
  }

  // Many events come from one read: settle them with one pump.
  void schedule_pump() {
    if (pump_scheduled_) return;
    pump_scheduled_ = true;
    asio::post(io_, [this] {
      pump_scheduled_ = false;
      pump();
    });
  }

  // Answers go out in one write per batch; a big payload is written from where it lies.
  void print_settled() {
    bool wrote = false;
    while (!slots_.empty() && slots_.front().settled) {
      auto& s = slots_.front();
      const byte_view payload = s.has_view ? s.view : byte_view(s.payload);
      if (s.answered && !s.ok) failed_ = true;
      if (!s.answered) failed_ = true;
      if (config_.json_output) {
        nlohmann::ordered_json j;
        j["request"] = s.number;
        j["tag"] = s.tag;
        if (s.channel != 0) j["channel"] = s.channel;
        j["ok"] = s.answered && s.ok;
        if (s.answered) {
          j["flags"] = s.flags;
          j["payload_hex"] = to_hex(payload);
          if (packet::is_utf8(payload)) j["payload"] = std::string(as_chars(payload));
        } else {
          j["error"] = "no answer: " + s.no_answer;
        }
        const auto text = j.dump() + "\n";
        append(printing_, as_bytes(text));
      } else if (s.answered && s.ok) {
        if (payload.size() >= borrow_min_bytes) {
          write_direct(payload);
        } else {
          append(printing_, payload);
          printing_.push_back(std::byte{'\n'});
        }
      } else if (s.answered) {
        write_out(printing_);
        fmt::print(stderr, "pktconn: call: request {} failed: {}\n", s.number,
                   std::string(as_chars(payload)));
      } else {
        write_out(printing_);
        fmt::print(stderr, "pktconn: call: request {}: no answer: {}\n", s.number, s.no_answer);
      }
      wrote = true;
      slots_.pop_front();
    }
    // stdio flushes when its buffer fills; pump() and finish() flush what is left, once per
    // batch of events.
    if (wrote) write_out(printing_);
  }

  void write_out(bytes& b) {
    write_out(byte_view(b));
    b.clear();
  }
  // A big answer and its newline in one writev(2) from where the answer lies: through stdio
  // it would be cut at the buffer's edges into several writes and a copy.
  void write_direct(byte_view payload) {
    write_out(printing_);
    std::fflush(out_);
    const int fd = ::fileno(out_);
    static const char newline = '\n';
    std::array<iovec, 2> parts{iovec{const_cast<std::byte*>(payload.data()), payload.size()},
                               iovec{const_cast<char*>(&newline), 1}};
    std::size_t first = 0;
    while (first < parts.size()) {
      const auto n = ::writev(fd, parts.data() + first, static_cast<int>(parts.size() - first));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          pollfd p{fd, POLLOUT, 0};
          ::poll(&p, 1, -1);
          continue;
        }
        return;  // as with stdio: a reader that went away loses the rest
      }
      auto done = static_cast<std::size_t>(n);
      while (first < parts.size() && done >= parts[first].iov_len)
        done -= parts[first++].iov_len;
      if (first < parts.size()) {
        parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + done;
        parts[first].iov_len -= done;
      }
    }
  }

  void write_out(byte_view b) {
    if (!b.empty()) std::fwrite(b.data(), 1, b.size(), out_);
  }

  // Armed once; each expiry checks the time of the last answer (noted once per batch in
  // pump), so answers cost no timer operations.
  void arm_idle_timer() {
    last_activity_ = std::chrono::steady_clock::now();
    wait_idle(last_activity_ + config_.timeout);
  }

  void wait_idle(std::chrono::steady_clock::time_point deadline) {
    idle_timer_.expires_at(deadline);
    idle_timer_.async_wait([this](std::error_code ec) {
      if (ec) return;
      if (activity_) {
        activity_ = false;
        last_activity_ = std::chrono::steady_clock::now();
      }
      const auto deadline = last_activity_ + config_.timeout;
      if (deadline > std::chrono::steady_clock::now()) return wait_idle(deadline);
      const bool waiting_eof = input_done_ && slots_.empty();
      fmt::print(stderr, "pktconn: call: timed out after {} ms waiting for {}\n",
                 config_.timeout.count(), waiting_eof ? "the peer's EOF" : "answers");
      failed_ = true;
      waiting_.clear();
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        auto& s = slots_[i];
        if (!s.settled) {
          s.settled = true;
          s.no_answer = "timed out";
        }
      }
      print_settled();
      finish();
    });
  }

  void on_done() {
    if (session_->write_error()) {
      failed_ = true;
      fmt::print(stderr, "pktconn: call: writing {}: {}\n", session_->describe(),
                 session_->write_error().message());
    }
    print_settled();
    finish();
  }

  void finish() {
    std::fflush(out_);
    idle_timer_.cancel();
    if (session_) session_->abort();
    io_.stop();
  }

  asio::io_context& io_;
  const call_config& config_;
  net::stop_signals signals_;
  asio::steady_timer idle_timer_;
  std::FILE* out_;
  std::unique_ptr<stdin_reader> reader_;
  std::shared_ptr<session> session_;
  slot_ring slots_;
  // Used once requests go to more than one channel (JSON input): (channel, tag) → seq.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> waiting_;
  bool mixed_ = false;
  std::uint64_t channel_ = 0;   // of every slot while !mixed_
  std::uint64_t tag_base_ = 0;  // while !mixed_: tag = tag_base_ + seq
  raw_chunk chunk_;             // stdin lines being sent
  struct lent_chunk {
    raw_chunk chunk;
    std::uint64_t until_write;  // in use until the session has ended this many writes
  };
  std::deque<lent_chunk> lent_;  // bounded: the window's big requests span only so many chunks
  std::size_t chunk_pos_ = 0;
  std::size_t chunk_line_ = 0;   // next of chunk_.line_ends
  bool chunk_borrowed_ = false;  // a line of chunk_ went out by reference
  bytes printing_;               // answers for one write
  bool activity_ = false;
  std::chrono::steady_clock::time_point last_activity_;
  std::size_t next_arg_ = 0;
  std::size_t submitted_ = 0;
  std::size_t next_seq_ = 0;
  std::size_t line_number_ = 0;
  bool input_done_ = false;
  bool pump_scheduled_ = false;
  bool interrupted_ = false;
  bool failed_ = false;
};

}  // namespace

cli::exit_code call(const call_config& config) {
  if (config.payloads.empty() && config.where.kind == net::endpoint_kind::stdio) {
    throw cli::usage_error(
        "requests come from stdin, so --connect must name another endpoint than -");
  }
  // Requests from stdin and answers to stdout, or packets both ways over "-".
  set_pipe_size(STDIN_FILENO, config.pipe_bytes);
  set_pipe_size(STDOUT_FILENO, config.pipe_bytes);
  asio::io_context io(1);
  auto c = std::make_unique<caller>(io, config);
  c->start();
  io.run();
  const auto code = c->result();
  c.reset();
  return code;
}

}  // namespace wirekit::pktconn
