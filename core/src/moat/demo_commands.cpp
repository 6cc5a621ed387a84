#include "wirekit/moat/demo_commands.hpp"

#include <cmath>

namespace wirekit::moat {

namespace {

// The command name: a string, or (0.4) a one-element path.
std::optional<std::string> command_name(const value& cmd) {
  if (cmd.is_text()) return cmd.str();
  if (cmd.is_array() && cmd.items().size() == 1 && cmd.items().front().is_text())
    return cmd.items().front().str();
  return std::nullopt;
}

std::optional<double> number(const value& v) {
  if (v.is(kind::floating)) return v.as_double();
  if (const auto i = v.as_int64()) return static_cast<double>(*i);
  return std::nullopt;
}

value add(const value& a, const value& b) {
  const auto ia = a.as_int64(), ib = b.as_int64();
  if (ia && ib) {
    std::int64_t r = 0;
    if (!__builtin_add_overflow(*ia, *ib, &r)) return value::integer(r);
  }
  const auto da = number(a), db = number(b);
  if (da && db) return value::floating(*da + *db);
  return a;  // Python would raise TypeError; the demo ignores what it cannot add
}

// The first positional value of a stream item (a trailing map is kwargs), without copying.
const value* first_arg(const payload& p) {
  const std::size_t args = p.size() - (!p.empty() && p.back().is_map() ? 1 : 0);
  return args > 0 ? &p.front() : nullptr;
}

std::chrono::steady_clock::duration seconds(double s) {
  if (!(s > 0)) return {};
  s = std::min(s, 86400.0);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

}  // namespace

void demo_commands::on_event(engine& e, const event& ev, time_point now) {
  if (ev.type == event_type::command) return command(e, ev, now);
  auto it = jobs_.find(ev.conv);
  if (it == jobs_.end()) return;
  job& j = it->second;
  switch (ev.type) {
    case event_type::item:
      if (j.kind == job_kind::sum) {
        if (const value* x = first_arg(ev.data)) j.total = add(j.total, *x);
      } else if (j.kind == job_kind::bidi) {
        const value* first = first_arg(ev.data);
        const value x = first ? *first : value::null();
        e.send(ev.conv, {x, x});
        ++j.seen;
      }
      break;
    case event_type::final:
      if (j.kind == job_kind::sum) {
        e.finish(ev.conv, {j.total});
      } else if (j.kind == job_kind::bidi) {
        e.finish(ev.conv, {value::text("bidi done"), value::integer(j.seen)});
      } else if (j.kind == job_kind::ping_back) {
        payload reply = call_result(ev.data);
        e.finish(j.origin, {value::array({value::text("client said"), value::array(reply)})});
      }
      break;
    case event_type::error:
      if (j.kind == job_kind::ping_back) {
        payload err{value::text("StreamError"), value::array(ev.data)};
        e.fail(j.origin, std::move(err));
      }
      break;
    case event_type::credit:
      if (j.kind == job_kind::count) run_count(e, ev.conv, j, now);
      break;
    case event_type::closed:
      if (j.kind != job_kind::ping_back)
        jobs_.erase(it);
      else if (!e.is_open(j.origin))
        jobs_.erase(it);
      return;
    default:
      break;
  }
  if (!e.is_open(ev.conv)) jobs_.erase(ev.conv);
}

void demo_commands::command(engine& e, const event& ev, time_point now) {
  const conv_ref c = ev.conv;
  const auto name = command_name(ev.cmd);
  const auto arg = [&](std::size_t i) { return i < ev.args.size() ? ev.args[i] : value::null(); };
  const std::string n = name.value_or("");
  if (!name) {
    e.fail(c, {value::text("KeyError"), ev.cmd});
  } else if (n == "echo") {
    e.finish(c, ev.args, ev.kw);
  } else if (n == "ret") {
    e.finish(c, {arg(0)});
  } else if (n == "none") {
    e.finish(c, {value::null()});
  } else if (n == "ping") {
    payload pong{value::text("pong")};
    pong.insert(pong.end(), ev.args.begin(), ev.args.end());
    e.finish(c, {value::array(std::move(pong))});
  } else if (n == "fail") {
    e.fail(c, {value::text("ValueError"), arg(0)});
  } else if (n == "kerr") {
    e.fail(c, {value::text("KeyError"), value::text("k")});
  } else if (n == "err") {
    e.fail(c, ev.args);
  } else if (n == "warn") {
    e.warn(c, {arg(0)});
    e.finish(c, {value::text("warned")});
  } else if (n == "nostream") {
    if (ev.streaming)
      e.fail_code(c, code::no_stream);
    else
      e.finish(c, {value::null()});
  } else if (n == "sleep") {
    job j;
    j.kind = job_kind::sleep;
    j.result = arg(0);
    j.due = now + seconds(number(arg(0)).value_or(0));
    jobs_[c] = std::move(j);
  } else if (n == "count") {
    job j;
    j.kind = job_kind::count;
    j.n = std::max<std::int64_t>(0, arg(0).as_int64().value_or(0));
    j.step = std::chrono::duration<double>(number(arg(1)).value_or(0));
    e.open_stream(c, {value::text("count"), arg(0)});
    auto& stored = jobs_[c] = std::move(j);
    run_count(e, c, stored, now);
  } else if (n == "sum") {
    job j;
    j.kind = job_kind::sum;
    jobs_[c] = std::move(j);
    e.open_stream(c, {});
  } else if (n == "bidi") {
    job j;
    j.kind = job_kind::bidi;
    jobs_[c] = std::move(j);
    e.open_stream(c, {value::text("bidi")});
  } else if (n == "ping_back") {
    const auto out = e.call(value::text("ping"), {arg(0)});
    if (!out) {
      e.fail(c, {value::text("RuntimeError"), value::text("too many conversations")});
    } else {
      job j;
      j.kind = job_kind::ping_back;
      j.origin = c;
      jobs_[*out] = std::move(j);
    }
  } else {
    e.fail(c, {value::text("KeyError"), ev.cmd});
  }
}

void demo_commands::run_count(engine& e, conv_ref c, job& j, time_point now) {
  while (j.next < j.n) {
    if (j.due && *j.due > now) return;
    const auto s = e.send_item(c, value::integer(j.next));
    if (s == send_status::paused || s == send_status::full) {
      j.due.reset();
      return;  // resumed by a credit event or on_timer after the output drained
    }
    if (s != send_status::ok) {
      jobs_.erase(c);  // the peer stopped us; the engine sent our final
      return;
    }
    ++j.next;
    if (j.step.count() > 0) j.due = now + seconds(j.step.count());
  }
  e.finish(c, {value::text("done"), value::integer(j.n)});
  jobs_.erase(c);
}

void demo_commands::on_timer(engine& e, time_point now) {
  std::vector<conv_ref> ready;
  for (auto& [c, j] : jobs_) {
    if (j.kind == job_kind::count && (!j.due || *j.due <= now)) ready.push_back(c);
    if (j.kind == job_kind::sleep && j.due && *j.due <= now) ready.push_back(c);
  }
  for (const auto& c : ready) {
    auto it = jobs_.find(c);
    if (it == jobs_.end()) continue;
    if (it->second.kind == job_kind::sleep) {
      e.finish(c, {it->second.result});
      jobs_.erase(it);
    } else if (e.can_send(c) || (it->second.next >= it->second.n)) {
      run_count(e, c, it->second, now);
    }
  }
}

std::optional<demo_commands::time_point> demo_commands::next_deadline() const {
  std::optional<time_point> first;
  for (const auto& [c, j] : jobs_) {
    if (j.due && (!first || *j.due < *first)) first = j.due;
  }
  return first;
}

}  // namespace wirekit::moat
