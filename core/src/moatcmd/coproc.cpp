#include "wirekit/moatcmd/coproc.hpp"

#include <fmt/core.h>

#include "wirekit/moat/json_mapping.hpp"

namespace wirekit::moatcmd {

namespace {
inline constexpr std::size_t read_chunk_bytes = 64 * 1024;
// Lines to the child beyond this are a child that does not read: it is stopped.
inline constexpr std::size_t max_child_backlog_bytes = 8 << 20;
inline constexpr std::size_t max_line_bytes = 1 << 20;

moat::json event_json(const char* name, const moat::event& ev) {
  moat::json j = moat::json::object();
  j["event"] = name;
  j["id"] = ev.conv.wid;
  return j;
}

moat::payload payload_of(const moat::json& j) {
  moat::payload p;
  if (j.is_array()) {
    for (const auto& x : j)
      if (auto v = moat::from_json(x)) p.push_back(std::move(*v));
  } else if (auto v = moat::from_json(j)) {
    p.push_back(std::move(*v));
  }
  return p;
}
}  // namespace

coproc_handler::coproc_handler(asio::io_context& io, std::string command, moat::engine& engine)
    : io_(io), command_(std::move(command)), engine_(engine), chunk_(read_chunk_bytes) {}

coproc_handler::~coproc_handler() {
  *alive_ = false;
  if (child_) child_->close();
}

void coproc_handler::start() {
  net::endpoint where;
  where.kind = net::endpoint_kind::exec;
  where.command = command_;
  std::weak_ptr<bool> alive = alive_;
  net::async_connect_stream(io_, where, {},
                            [this, alive](std::error_code ec, std::unique_ptr<net::byte_stream> s) {
                              if (alive.expired()) return;
                              if (ec) {
                                if (on_exit) on_exit("cannot start coproc: " + ec.message());
                                return;
                              }
                              child_ = std::move(s);
                              if (closed_) return child_->close();
                              read();
                              flush();
                            });
}

void coproc_handler::close() {
  if (closed_) return;
  closed_ = true;
  if (child_) child_->close();
}

void coproc_handler::write_line(std::string line) {
  if (closed_) return;
  out_queue_ += line;
  out_queue_ += '\n';
  if (out_queue_.size() > max_child_backlog_bytes) {
    close();
    if (on_exit) on_exit("coproc does not read its input");
    return;
  }
  flush();
}

void coproc_handler::flush() {
  if (writing_ || !child_ || closed_ || out_queue_.empty()) return;
  writing_buf_.swap(out_queue_);
  out_queue_.clear();
  writing_ = true;
  std::weak_ptr<bool> alive = alive_;
  child_->async_write(asio::buffer(writing_buf_), [this, alive](std::error_code ec, std::size_t) {
    if (alive.expired()) return;
    writing_ = false;
    if (ec) {
      if (ec != asio::error::operation_aborted && !closed_ && on_exit)
        on_exit("coproc input: " + ec.message());
      return;
    }
    flush();
  });
}

void coproc_handler::read() {
  if (!child_ || closed_ || reading_ || !held_.empty()) return;
  reading_ = true;
  std::weak_ptr<bool> alive = alive_;
  child_->async_read_some(asio::buffer(chunk_), [this, alive](std::error_code ec, std::size_t n) {
    if (alive.expired()) return;
    reading_ = false;
    if (ec) {
      if (ec != asio::error::operation_aborted && !closed_ && on_exit)
        on_exit(ec == asio::error::eof ? "" : "coproc output: " + ec.message());
      return;
    }
    in_buf_.append(chunk_.data(), n);
    std::size_t nl;
    while ((nl = in_buf_.find('\n')) != std::string::npos) {
      held_.push_back(in_buf_.substr(0, nl));
      in_buf_.erase(0, nl + 1);
    }
    if (in_buf_.size() > max_line_bytes) {
      close();
      if (on_exit) on_exit("coproc wrote a line longer than 1 MiB");
      return;
    }
    on_tick(engine_);
    if (on_change) on_change();
    read();
  });
}

bool coproc_handler::apply(moat::engine& e, const std::string& line) {
  if (line.find_first_not_of(" \t\r") == std::string::npos) return true;
  const moat::json j = moat::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_number_unsigned()) {
    fmt::print(stderr, "moatcmd: coproc line ignored (needs an object with an id): {}\n",
               line.substr(0, 80));
    return true;
  }
  const moat::conv_ref c{false, j["id"].get<std::uint64_t>()};
  moat::value kw = moat::value::map();
  if (j.contains("kw")) {
    if (auto v = moat::from_json(j["kw"]); v && v->is_map()) kw = *v;
  }
  moat::send_status s = moat::send_status::ok;
  if (j.contains("item")) {
    s = e.send(c, payload_of(j["item"]), kw);
    if (s == moat::send_status::paused || s == moat::send_status::full) return false;
  } else if (j.contains("open")) {
    s = e.open_stream(c, payload_of(j["open"]), kw);
  } else if (j.contains("result")) {
    s = e.finish(c, payload_of(j["result"]), kw);
  } else if (j.contains("error")) {
    s = e.fail(c, payload_of(j["error"]));
  } else if (j.contains("warn")) {
    s = e.warn(c, payload_of(j["warn"]));
  } else {
    fmt::print(stderr, "moatcmd: coproc line ignored (no result/open/item/error/warn): {}\n",
               line.substr(0, 80));
  }
  if (s != moat::send_status::ok && s != moat::send_status::suppressed)
    fmt::print(stderr, "moatcmd: coproc answer for id {} not sent: {}\n", c.wid,
               moat::to_string(s));
  return true;
}

void coproc_handler::on_tick(moat::engine& e) {
  while (!held_.empty()) {
    if (!apply(e, held_.front())) return;
    held_.pop_front();
  }
  read();
}

void coproc_handler::on_event(moat::engine&, const moat::event& ev) {
  using moat::event_type;
  if (ev.conv.ours) return;  // we make no calls of our own
  moat::json j;
  switch (ev.type) {
    case event_type::command: {
      j = event_json("command", ev);
      j["cmd"] = moat::to_json(ev.cmd);
      j["args"] = moat::to_json(moat::value::array(ev.args));
      j["kw"] = moat::to_json(ev.kw);
      j["stream"] = ev.streaming;
      break;
    }
    case event_type::item:
      j = event_json("item", ev);
      j["data"] = moat::to_json(moat::value::array(ev.data));
      break;
    case event_type::final:
      j = event_json("final", ev);
      j["data"] = moat::to_json(moat::value::array(ev.data));
      break;
    case event_type::error:
      j = event_json("error", ev);
      j["data"] = moat::to_json(moat::value::array(ev.data));
      break;
    case event_type::closed:
      j = event_json("closed", ev);
      break;
    default:
      return;
  }
  write_line(j.dump());
}

}  // namespace wirekit::moatcmd
