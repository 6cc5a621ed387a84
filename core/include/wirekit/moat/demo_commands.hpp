// The reference command set of spec/moat-cmd.md (the server side of the captured
// conversations), as a sans-IO handler over an engine: `moatcmd serve --demo` and the
// replay tests share it. Also answers `ping *a` with ["pong", *a], as the reference client.
#pragma once

#include <chrono>
#include <map>
#include <optional>

#include "wirekit/moat/engine.hpp"

namespace wirekit::moat {

class demo_commands {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Feed every event of the engine here (events of conversations it does not own are ignored).
  void on_event(engine& e, const event& ev, time_point now);
  // Runs what is due (sleep replies, count steps) and resumes streams that were waiting for
  // credit or output room.
  void on_timer(engine& e, time_point now);
  std::optional<time_point> next_deadline() const;
  // Conversations the demo still serves.
  std::size_t active() const { return jobs_.size(); }

 private:
  enum class job_kind { sleep, count, sum, bidi, ping_back };
  struct job {
    job_kind kind = job_kind::sleep;
    std::optional<time_point> due;
    value result;           // sleep: the value to return
    std::int64_t n = 0;     // count: items to send
    std::int64_t next = 0;  // count: next item
    std::chrono::duration<double> step{0};
    value total = value::integer(0);  // sum
    std::int64_t seen = 0;            // bidi
    conv_ref origin;                  // ping_back: the command waiting for the client
  };

  void command(engine& e, const event& ev, time_point now);
  void run_count(engine& e, conv_ref c, job& j, time_point now);

  std::map<conv_ref, job> jobs_;
};

}  // namespace wirekit::moat
