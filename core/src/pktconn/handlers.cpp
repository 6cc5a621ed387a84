#include "wirekit/pktconn/handlers.hpp"

#include <fmt/core.h>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "wirekit/common/hex.hpp"
#include "wirekit/net/byte_stream.hpp"
#include "wirekit/net/endpoint.hpp"
#include "wirekit/net/handler_exec.hpp"
#include "wirekit/packet/packet_json.hpp"
#include "wirekit/packet/reject.hpp"

namespace wirekit::pktconn {

packet::handler_result failure(std::string_view reason) {
  packet::handler_result r;
  r.ok = false;
  r.payload = to_bytes(reason);
  return r;
}

namespace {

class echo_handler final : public request_handler {
 public:
  void handle(request_info request, answer_handler done) override {
    packet::handler_result r;
    r.payload = std::move(request.payload);
    done(std::move(r));
  }
};

class demo_handler final : public request_handler {
 public:
  explicit demo_handler(asio::io_context& io) : io_(io) {}

  void handle(request_info request, answer_handler done) override {
    auto answer = packet::demo_handle(request.rq_type, request.flags, request.payload);
    if (answer.delay.count() == 0) return done(std::move(answer.result));
    auto timer = std::make_shared<asio::steady_timer>(io_, answer.delay);
    timers_[{request.channel, request.tag}] = timer;
    timer->async_wait([this, timer, key = std::make_pair(request.channel, request.tag),
                       result = std::move(answer.result),
                       done = std::move(done)](std::error_code ec) mutable {
      if (ec) return;
      timers_.erase(key);
      done(std::move(result));
    });
  }
  void cancel(std::uint64_t channel, std::uint64_t tag) override {
    if (auto it = timers_.find({channel, tag}); it != timers_.end()) {
      it->second->cancel();
      timers_.erase(it);
    }
  }
  void stop() override {
    for (auto& [key, timer] : timers_)
      timer->cancel();
    timers_.clear();
  }

 private:
  asio::io_context& io_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::shared_ptr<asio::steady_timer>> timers_;
};

class exec_handler final : public request_handler {
 public:
  exec_handler(asio::io_context& io, std::string command, std::size_t max_output)
      : io_(io), command_(std::move(command)), max_output_(max_output) {}

  void handle(request_info request, answer_handler done) override {
    net::handler_exec_options options;
    options.command = command_;
    options.max_output = max_output_;
    options.env = {
        fmt::format("PKT_RQ_TYPE={}", request.rq_type), fmt::format("PKT_FLAGS={}", request.flags),
        fmt::format("PKT_TAG={}", request.tag), fmt::format("PKT_CHANNEL={}", request.channel)};
    const auto key = std::make_pair(request.channel, request.tag);
    auto child = net::handler_exec::start(
        io_, options, std::move(request.payload),
        [this, key, done = std::move(done)](net::handler_exec_result r) {
          children_.erase(key);
          if (r.spawn_error)
            return done(failure("cannot start handler: " + r.spawn_error.message()));
          if (r.output_too_large) return done(failure("handler output too large"));
          if (r.timed_out) return done(failure("handler timed out"));
          if (r.exit_status != 0) {
            return done(failure(!r.reason.empty() ? r.reason
                                                  : fmt::format("exit status {}", r.exit_status)));
          }
          packet::handler_result ok;
          ok.payload = std::move(r.output);
          done(std::move(ok));
        });
    children_[key] = child;
  }
  void cancel(std::uint64_t channel, std::uint64_t tag) override {
    if (auto it = children_.find({channel, tag}); it != children_.end()) it->second->kill();
  }
  void stop() override {
    for (auto& [key, child] : children_)
      child->kill();
  }

 private:
  asio::io_context& io_;
  std::string command_;
  std::size_t max_output_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::shared_ptr<net::handler_exec>> children_;
};

// The coprocess: JSON lines both ways over exec:COMMAND.
class coproc_handler final : public request_handler {
 public:
  coproc_handler(asio::io_context& io, std::string command, std::size_t max_packet_bytes)
      : io_(io), command_(std::move(command)), max_line_(2 * max_packet_bytes + 4096) {}

  void handle(request_info request, answer_handler done) override {
    if (dead_) return done(failure(dead_reason_));
    ensure_started();
    nlohmann::ordered_json j;
    j["tag"] = request.tag;
    j["channel"] = request.channel;
    j["rq_type"] = request.rq_type;
    j["flags"] = request.flags;
    j["payload_hex"] = to_hex(request.payload);
    if (packet::is_utf8(request.payload)) j["payload"] = std::string(as_chars(request.payload));
    waiting_[{request.channel, request.tag}] = std::move(done);
    queue_.push_back(j.dump() + "\n");
    write_next();
  }
  void cancel(std::uint64_t channel, std::uint64_t tag) override { waiting_.erase({channel, tag}); }
  void stop() override {
    stopped_ = true;
    if (stream_) stream_->close();
  }

 private:
  void ensure_started() {
    if (started_) return;
    started_ = true;
    net::endpoint where;
    where.kind = net::endpoint_kind::exec;
    where.command = command_;
    net::async_connect_stream(io_, where, {},
                              [this](std::error_code ec, std::unique_ptr<net::byte_stream> s) {
                                if (ec) return die("cannot start coprocess: " + ec.message());
                                stream_ = std::move(s);
                                write_next();
                                read_more();
                              });
  }

  void write_next() {
    if (!stream_ || writing_ || queue_.empty() || dead_) return;
    writing_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    stream_->async_write(asio::buffer(current_), [this](std::error_code ec, std::size_t) {
      writing_ = false;
      if (ec == asio::error::operation_aborted) return;
      if (ec) return die("coprocess stopped reading: " + ec.message());
      write_next();
    });
  }

  void read_more() {
    stream_->async_read_some(asio::buffer(buf_), [this](std::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted) return;
      line_.append(buf_.data(), n);
      std::size_t start = 0;
      for (auto nl = line_.find('\n', start); nl != std::string::npos;
           nl = line_.find('\n', start)) {
        on_line(std::string_view(line_).substr(start, nl - start));
        start = nl + 1;
      }
      line_.erase(0, start);
      if (line_.size() > max_line_) return die("coprocess wrote a line longer than the maximum");
      if (ec) return die("coprocess exited");
      read_more();
    });
  }

  void on_line(std::string_view text) {
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("tag") || !j["tag"].is_number_unsigned()) {
      fmt::print(stderr, "pktconn: coprocess: ignoring a line that is not a response object\n");
      return;
    }
    const auto channel = j.value("channel", std::uint64_t{0});
    const auto it = waiting_.find({channel, j["tag"].get<std::uint64_t>()});
    if (it == waiting_.end()) {
      fmt::print(stderr, "pktconn: coprocess: response for unknown tag {} ignored\n",
                 j["tag"].dump());
      return;
    }
    auto done = std::move(it->second);
    waiting_.erase(it);
    packet::handler_result r;
    r.ok = j.value("ok", true) && !j.contains("error");
    r.flags = j.contains("flags") && j["flags"].is_number_unsigned()
                  ? j["flags"].get<std::uint64_t>()
                  : 0;
    if (j.contains("payload_hex") && j["payload_hex"].is_string()) {
      auto b = from_hex(j["payload_hex"].get<std::string>());
      if (!b) return done(failure("coprocess sent bad payload_hex"));
      r.payload = std::move(*b);
    } else if (j.contains("payload") && j["payload"].is_string()) {
      r.payload = to_bytes(j["payload"].get<std::string>());
    } else if (j.contains("error") && j["error"].is_string()) {
      r.payload = to_bytes(j["error"].get<std::string>());
    }
    done(std::move(r));
  }

  void die(std::string reason) {
    if (dead_) return;
    dead_ = true;
    dead_reason_ = std::move(reason);
    if (!stopped_) fmt::print(stderr, "pktconn: {}\n", dead_reason_);
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& [key, done] : waiting)
      done(failure(dead_reason_));
    if (stream_) stream_->close();
  }

  asio::io_context& io_;
  std::string command_;
  std::size_t max_line_;
  std::unique_ptr<net::byte_stream> stream_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, answer_handler> waiting_;
  std::deque<std::string> queue_;
  std::string current_;
  std::array<char, 65536> buf_{};
  std::string line_;
  bool started_ = false;
  bool writing_ = false;
  bool dead_ = false;
  bool stopped_ = false;
  std::string dead_reason_;
};

}  // namespace

std::unique_ptr<request_handler> make_echo_handler() {
  return std::make_unique<echo_handler>();
}
std::unique_ptr<request_handler> make_demo_handler(asio::io_context& io) {
  return std::make_unique<demo_handler>(io);
}
std::unique_ptr<request_handler> make_exec_handler(asio::io_context& io, std::string command,
                                                   std::size_t max_output) {
  return std::make_unique<exec_handler>(io, std::move(command), max_output);
}
std::unique_ptr<request_handler> make_coproc_handler(asio::io_context& io, std::string command,
                                                     std::size_t max_packet_bytes) {
  return std::make_unique<coproc_handler>(io, std::move(command), max_packet_bytes);
}

}  // namespace wirekit::pktconn
