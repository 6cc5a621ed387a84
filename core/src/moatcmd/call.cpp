#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include "wirekit/net/asio.hpp"

#include "wirekit/cli/errors.hpp"
#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moat/json_mapping.hpp"
#include "wirekit/moatcmd/commands.hpp"
#include "wirekit/moatcmd/session.hpp"
#include "wirekit/net/stop_signals.hpp"

namespace wirekit::moatcmd {

namespace {

inline constexpr std::size_t stdin_chunk_bytes = 64 * 1024;
// An item line longer than this is refused (it would not fit one CBOR item anyway).
inline constexpr std::size_t max_line_bytes = 1 << 20;

bool is_kw_name(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// Reads stdin as lines, asynchronously when it is a pipe or terminal, else directly (a
// regular file never blocks).
class line_reader {
 public:
  explicit line_reader(asio::io_context& io) : fd_(io) {
    const int in = ::dup(0);
    std::error_code ec;
    if (in >= 0) fd_.assign(in, ec);
    async_ = in >= 0 && !ec;
    if (!async_ && in >= 0) ::close(in);
  }

  // Next complete line, if one is buffered; valid until the next want().
  std::optional<std::string_view> take() {
    const std::string_view rest = std::string_view(buf_).substr(head_);
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      if (eof_ && !rest.empty()) {
        head_ = buf_.size();
        return rest;
      }
      return std::nullopt;
    }
    head_ += nl + 1;
    return rest.substr(0, nl);
  }
  bool done() const { return eof_ && head_ == buf_.size(); }
  bool too_long() const { return buf_.size() - head_ > max_line_bytes; }

  // Asks for more input; on_more runs when some arrived (or at EOF).
  void want(std::function<void()> on_more) {
    if (eof_ || reading_) return;
    buf_.erase(0, head_);  // lines taken so far go in one move, not one move per line
    head_ = 0;
    if (!async_) {
      std::string chunk(stdin_chunk_bytes, '\0');
      const auto n = ::read(0, chunk.data(), chunk.size());
      if (n <= 0)
        eof_ = true;
      else
        buf_.append(chunk.data(), static_cast<std::size_t>(n));
      asio::post(fd_.get_executor(), std::move(on_more));
      return;
    }
    reading_ = true;
    chunk_.resize(stdin_chunk_bytes);
    fd_.async_read_some(asio::buffer(chunk_), [this, on_more](std::error_code ec, std::size_t n) {
      reading_ = false;
      if (ec == asio::error::operation_aborted) return;
      if (ec)
        eof_ = true;
      else
        buf_.append(chunk_.data(), n);
      on_more();
    });
  }
  void close() {
    std::error_code ignored;
    fd_.close(ignored);
  }

 private:
  asio::posix::stream_descriptor fd_;
  bool async_ = false;
  bool reading_ = false;
  bool eof_ = false;
  std::string buf_;
  std::size_t head_ = 0;  // start of the first line not taken
  std::string chunk_;
};

}  // namespace

moat::value parse_arg(const std::string& text) {
  moat::json j = moat::json::parse(text, nullptr, false);
  if (!j.is_discarded()) {
    if (auto v = moat::from_json(j)) return *v;
  }
  return moat::value::text(text);
}

cli::exit_code run_call(const call_options& options) {
  if (options.stream_write && options.link.where.kind == net::endpoint_kind::stdio)
    throw cli::usage_error("--stream-w reads stdin, so it needs --connect to another endpoint");

  moat::payload args;
  moat::value kw = moat::value::map();
  for (const auto& a : options.args) {
    const auto eq = a.find('=');
    if (eq != std::string::npos && is_kw_name(std::string_view(a).substr(0, eq)))
      kw.map_insert(moat::value::text(a.substr(0, eq)), parse_arg(a.substr(eq + 1)));
    else
      args.push_back(parse_arg(a));
  }
  moat::call_mode mode = moat::call_mode::plain;
  if (options.stream_read && options.stream_write)
    mode = moat::call_mode::stream_both;
  else if (options.stream_read)
    mode = moat::call_mode::stream_in;
  else if (options.stream_write)
    mode = moat::call_mode::stream_out;

  asio::io_context io(1);
  moat::engine engine(options.link.dialect, options.link.limits);
  moat::demo_commands answers;  // the reference client answers `ping`
  std::optional<moat::conv_ref> me;
  cli::exit_code result = cli::exit_code::ok;
  bool done = false;
  std::string failure;
  std::shared_ptr<session> link;
  line_reader input(io);
  asio::steady_timer deadline(io);
  net::stop_signals signals(io, SIGINT, SIGTERM);

  // Over stdin/stdout the CBOR stream owns stdout, so results go to stderr.
  std::ostream& results =
      options.link.where.kind == net::endpoint_kind::stdio ? std::cerr : std::cout;
  // Printed lines collect here and are written once per batch of events.
  std::string printed;
  auto flush_printed = [&] {
    if (!printed.empty())
      results.write(printed.data(), static_cast<std::streamsize>(printed.size()));
    printed.clear();
    results.flush();
  };
  auto print = [&printed](const moat::payload& p) {
    moat::append_json_array(printed, p);
    printed.push_back('\n');
  };
  auto end = [&](cli::exit_code code, std::string why) {
    if (done) return;
    done = true;
    result = code;
    failure = std::move(why);
    deadline.cancel();
    signals.cancel();
    input.close();
    if (me && engine.is_open(*me)) engine.cancel(*me);
    flush_printed();
    if (link) {
      link->kick();
      link->finish();
    }
  };
  // Sends stdin lines while the stream takes them.
  std::function<void()> pump_input = [&] {
    if (!me || !options.stream_write || done || !engine.can_send(*me)) return;
    while (engine.can_send(*me)) {
      auto line = input.take();
      if (!line) break;
      if (line->find_first_not_of(" \t\r") == std::string_view::npos) continue;
      std::string why;
      const auto v = moat::parse_json_value(*line, &why);
      if (!v)
        return end(cli::exit_code::failed,
                   "stdin: " + why + ": " + std::string(line->substr(0, 60)));
      engine.send_item(*me, *v);
    }
    if (input.too_long()) return end(cli::exit_code::failed, "stdin: line too long");
    if (input.done()) {
      if (engine.can_send(*me)) engine.close(*me);
      return;
    }
    input.want([&] { link->kick(); });
  };

  session_hooks hooks;
  hooks.on_event = [&](moat::engine& e, const moat::event& ev, clock::time_point now) {
    if (ev.type == moat::event_type::command) {
      const bool ping = ev.cmd == moat::value::text("ping") ||
                        ev.cmd == moat::value::array({moat::value::text("ping")});
      if (!ping) {
        e.fail(ev.conv, {moat::value::text("KeyError"), ev.cmd});
        return;
      }
    }
    if (!me || ev.conv != *me) return answers.on_event(e, ev, now);
    switch (ev.type) {
      case moat::event_type::item:
        print(ev.data);
        break;
      case moat::event_type::final:
        print(moat::call_result(ev.data));
        e.close(*me);  // our stream direction, if still open (0.3.3 sends [h, null])
        break;
      case moat::event_type::error:
        result = cli::exit_code::failed;
        if (!ev.reason.empty()) {  // the engine's own LinkDown, not the peer's answer
          failure = ev.reason;
          break;
        }
        failure = "remote error: " + moat::to_json(moat::value::array(ev.data)).dump();
        if (ev.code < 0 && ev.data.size() == 1) failure += " (" + moat::code_name(ev.code) + ")";
        break;
      case moat::event_type::warning:
        flush_printed();
        fmt::print(stderr, "moatcmd: warning from peer: {}\n",
                   moat::to_json(moat::value::array(ev.data)).dump());
        break;
      case moat::event_type::closed: {
        const auto code = result;
        const auto why = failure;
        end(code, why);
        break;
      }
      default:
        break;
    }
  };
  hooks.on_tick = [&](moat::engine& e, clock::time_point now) {
    flush_printed();  // once per batch of events, not per line
    answers.on_timer(e, now);
    pump_input();
  };
  hooks.next_deadline = [&] { return answers.next_deadline(); };
  hooks.on_down = [&](const std::string& reason) {
    if (!done) end(cli::exit_code::failed, reason.empty() ? "peer closed the link" : reason);
  };

  signals.async_wait([&](std::error_code ec, int) {
    if (!ec) end(cli::exit_code::interrupted, "interrupted");
  });
  if (options.timeout.count() > 0) {
    deadline.expires_after(options.timeout);
    deadline.async_wait([&](std::error_code ec) {
      if (!ec) end(cli::exit_code::failed, "timed out");
    });
  }
  std::error_code connect_error;
  net::async_connect_stream(io, options.link.where, options.link.stream,
                            [&](std::error_code ec, std::unique_ptr<net::byte_stream> stream) {
                              if (ec) {
                                connect_error = ec;
                                io.stop();
                                return;
                              }
                              link = std::make_shared<session>(io, std::move(stream), engine, hooks,
                                                               options.link.trace);
                              me = engine.call(moat::value::text(options.cmd), args, kw, mode);
                              link->start();
                              if (!me)
                                end(cli::exit_code::failed,
                                    "cannot send this call (a 0.3 peer cannot read tag 1 or "
                                    "simple values)");
                            });
  io.run();
  if (connect_error)
    throw cli::failure(fmt::format("cannot connect to {}: {}", net::to_string(options.link.where),
                                   connect_error.message()));
  if (!failure.empty() && result != cli::exit_code::ok)
    fmt::print(stderr, "moatcmd: {}\n", failure);
  return result;
}

}  // namespace wirekit::moatcmd
