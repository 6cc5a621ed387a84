#include "wirekit/pktconn/call.hpp"

#include <fmt/core.h>

#include <unistd.h>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>

#include <cerrno>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "wirekit/cli/errors.hpp"
#include "wirekit/common/hex.hpp"
#include "wirekit/packet/packet_json.hpp"
#include "wirekit/pktconn/session.hpp"

namespace wirekit::pktconn {

namespace {

struct outgoing {
  std::uint64_t rq_type = 0;
  std::uint64_t flags = 0;
  std::uint64_t channel = 0;
  bytes payload;
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
  std::string no_answer;  // why there is no answer
};

// Reads request lines from stdin on its own thread (stdin may be a file, which asio cannot
// wait on) and hands them over through a queue bounded by the window. The thread owns a
// share of the state, so it may outlive the reader while it sits in a blocking read.
class stdin_reader {
 public:
  stdin_reader(asio::io_context& io, std::size_t bound, std::size_t max_line,
               std::function<void()> wake)
      : state_(std::make_shared<state>()) {
    state_->io = &io;
    state_->bound = bound;
    state_->wake = std::move(wake);
    std::thread([st = state_, max_line] {
      // read(2) in big chunks: istream getline on a synced std::cin costs a call per byte.
      std::string line;
      bool too_long = false;
      std::vector<char> buf(65536);
      auto deliver = [&](std::string&& l) {
        std::unique_lock lock(st->mutex);
        st->cv.wait(lock, [&] { return st->lines.size() < st->bound || st->stopping; });
        if (st->stopping) return false;
        const bool was_empty = st->lines.empty();
        st->lines.push_back(std::move(l));
        // One wake per batch: the loop takes every line there is when it runs.
        if (was_empty && st->io) asio::post(*st->io, st->wake);
        return true;
      };
      for (;;) {
        const auto n = ::read(STDIN_FILENO, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::size_t start = 0;
        for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
          if (buf[i] != '\n') continue;
          if (!too_long) line.append(buf.data() + start, i - start);
          if (!deliver(std::move(line))) return;
          line.clear();
          too_long = false;
          start = i + 1;
        }
        if (!too_long) line.append(buf.data() + start, static_cast<std::size_t>(n) - start);
        // Longer than any packet may be: keep one byte too many so the submit refuses it.
        if (line.size() > max_line) {
          line.resize(max_line + 1);
          too_long = true;
        }
      }
      if (!line.empty() && !deliver(std::move(line))) return;
      std::lock_guard lock(st->mutex);
      st->ended = true;
      if (st->io) asio::post(*st->io, st->wake);
    }).detach();
  }
  ~stdin_reader() {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->io = nullptr;
    state_->cv.notify_all();
  }

  // A line, or nullopt with *ended telling whether more can come.
  std::optional<std::string> pop(bool* ended) {
    std::lock_guard lock(state_->mutex);
    *ended = state_->ended && state_->lines.empty();
    if (state_->lines.empty()) return std::nullopt;
    auto line = std::move(state_->lines.front());
    state_->lines.pop_front();
    state_->cv.notify_all();
    return line;
  }

 private:
  struct state {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> lines;
    asio::io_context* io = nullptr;
    std::function<void()> wake;
    std::size_t bound = 1;
    bool ended = false;
    bool stopping = false;
  };
  std::shared_ptr<state> state_;
};

class caller {
 public:
  caller(asio::io_context& io, const call_config& config)
      : io_(io),
        config_(config),
        signals_(io, SIGINT, SIGTERM),
        idle_timer_(io),
        // Over "-" stdout carries the packets: answers go to stderr instead.
        out_(config.where.kind == net::endpoint_kind::stdio ? stderr : stdout) {}

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
      reader_ = std::make_unique<stdin_reader>(io_, config_.window, config_.limits.max_packet_bytes,
                                               [this] { pump(); });
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
          session_ = std::make_shared<session>(io_, std::move(s), cc, config_.trace);
          session_->start([this](packet::event& e) { on_event(e); }, [this] { on_done(); });
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
      outgoing o{config_.rq_type, config_.flags, config_.channel,
                 to_bytes(config_.payloads[next_arg_++])};
      return o;
    }
    for (;;) {
      bool ended = false;
      auto line = reader_->pop(&ended);
      if (!line) {
        if (ended) input_done_ = true;
        return std::nullopt;
      }
      ++line_number_;
      if (config_.format == input_format::line) {
        return outgoing{config_.rq_type, config_.flags, config_.channel, to_bytes(*line)};
      }
      if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
      auto parsed = parse_json_request(*line);
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
    outgoing o{config_.rq_type, config_.flags, config_.channel, {}};
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
      o.payload = std::move(*b);
    } else if (j.contains("payload")) {
      if (!j["payload"].is_string()) return bad("payload must be a string");
      o.payload = to_bytes(j["payload"].get<std::string>());
    }
    return o;
  }

  // Submits while the window has room and input is there; closes once all is settled.
  void pump() {
    if (!session_ || session_->done()) return;
    auto& engine = session_->engine();
    print_settled();  // frees window room
    while (!input_done_ && slots_.size() < config_.window && engine.receive_open() &&
           engine.sending() == packet::send_state::open) {
      auto o = next_request();
      if (!o) break;
      const auto r = engine.submit(o->rq_type, o->flags, o->payload, o->channel);
      ++submitted_;
      if (r.status != packet::submit_status::ok) {
        fmt::print(stderr, "pktconn: call: request {} not sent: {}\n", submitted_,
                   submit_reason(r.status));
        failed_ = true;
        continue;
      }
      slot s;
      s.number = submitted_;
      s.channel = o->channel;
      s.tag = r.tag;
      s.seq = next_seq_++;
      waiting_[{s.channel, s.tag}] = s.seq;
      slots_.push_back(std::move(s));
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
    if (input_done_ && slots_.empty() && engine.sending() == packet::send_state::open)
      engine.close();
    session_->flush();
  }

  bool next_request_available() {
    if (!reader_) return next_arg_ < config_.payloads.size();
    return true;  // stdin was not at its end
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
    const auto it = waiting_.find({channel, tag});
    if (it == waiting_.end()) return nullptr;
    const auto seq = it->second;
    waiting_.erase(it);
    return &slots_.at(seq - slots_.front().seq);
  }

  void on_event(packet::event& e) {
    using packet::event_kind;
    switch (e.kind) {
      case event_kind::response:
        if (auto* s = find_slot(e.channel, e.tag)) {
          s->settled = s->answered = true;
          s->ok = e.ok;
          s->flags = e.flags;
          s->payload = std::move(e.payload);
        }
        arm_idle_timer();
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

  void print_settled() {
    bool wrote = false;
    while (!slots_.empty() && slots_.front().settled) {
      auto& s = slots_.front();
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
          j["payload_hex"] = to_hex(s.payload);
          if (packet::is_utf8(s.payload)) j["payload"] = std::string(as_chars(s.payload));
        } else {
          j["error"] = "no answer: " + s.no_answer;
        }
        const auto text = j.dump() + "\n";
        std::fwrite(text.data(), 1, text.size(), out_);
      } else if (s.answered && s.ok) {
        if (!s.payload.empty()) std::fwrite(s.payload.data(), 1, s.payload.size(), out_);
        std::fputc('\n', out_);
      } else if (s.answered) {
        fmt::print(stderr, "pktconn: call: request {} failed: {}\n", s.number,
                   std::string(as_chars(s.payload)));
      } else {
        fmt::print(stderr, "pktconn: call: request {}: no answer: {}\n", s.number, s.no_answer);
      }
      wrote = true;
      slots_.pop_front();
    }
    if (wrote) std::fflush(out_);
  }

  void arm_idle_timer() {
    idle_timer_.expires_after(config_.timeout);
    idle_timer_.async_wait([this](std::error_code ec) {
      if (ec) return;
      const bool waiting_eof = input_done_ && slots_.empty();
      fmt::print(stderr, "pktconn: call: timed out after {} ms waiting for {}\n",
                 config_.timeout.count(), waiting_eof ? "the peer's EOF" : "answers");
      failed_ = true;
      waiting_.clear();
      for (auto& s : slots_) {
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
    idle_timer_.cancel();
    if (session_) session_->abort();
    io_.stop();
  }

  asio::io_context& io_;
  const call_config& config_;
  asio::signal_set signals_;
  asio::steady_timer idle_timer_;
  std::FILE* out_;
  std::unique_ptr<stdin_reader> reader_;
  std::shared_ptr<session> session_;
  std::deque<slot> slots_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> waiting_;  // → slot number
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
  asio::io_context io(1);
  auto c = std::make_unique<caller>(io, config);
  c->start();
  io.run();
  const auto code = c->result();
  c.reset();
  return code;
}

}  // namespace wirekit::pktconn
