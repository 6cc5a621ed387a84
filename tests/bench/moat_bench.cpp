// The MoaT-Cmd engine without I/O (what moatcmd could do if pipes cost nothing), and call
// round trips over a pipe to a real `moatcmd serve --demo` (MOATCMD names the binary), one
// call at a time, each waiting for its reply.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>

#include "wirekit/moat/demo_commands.hpp"
#include "wirekit/moat/engine.hpp"
#include "wirekit/net/child_process.hpp"

using namespace wirekit;
using namespace wirekit::moat;

namespace {

// A `count` stream of small integers from a demo server engine to a client engine, in
// batches as the tool moves them (everything the server has queued, then everything read).
void engine_stream_items(benchmark::State& state) {
  engine_limits limits;
  engine client(dialect::v0_3, limits), server(dialect::v0_3, limits);
  demo_commands demo;
  const demo_commands::time_point now{};
  constexpr std::int64_t per_call = 1'000'000;
  std::int64_t items = 0;
  bytes wire;
  std::optional<conv_ref> me;
  for (auto _ : state) {
    if (!me || !client.is_open(*me))
      me = client.call(value::text("count"), {value::integer(per_call)}, empty_map(),
                       call_mode::stream_in);
    client.take_output(wire);
    server.receive(wire);
    while (auto ev = server.poll_event())
      demo.on_event(server, *ev, now);
    demo.on_timer(server, now);
    server.take_output(wire);
    client.receive(wire);
    while (auto ev = client.poll_event()) {
      items += ev->type == event_type::item;
      if (ev->type == event_type::final) client.close(*me);
    }
  }
  state.SetItemsProcessed(items);
}
BENCHMARK(engine_stream_items)->Unit(benchmark::kMillisecond);

void round_trip(benchmark::State& state) {
  const char* moatcmd = std::getenv("MOATCMD");
  if (!moatcmd) {
    state.SkipWithError("set MOATCMD to the moatcmd binary");
    return;
  }
  std::error_code ec;
  const auto child = net::spawn_child({moatcmd, "serve", "--demo"}, {}, ec);
  if (ec) {
    state.SkipWithError(("cannot start moatcmd: " + ec.message()).c_str());
    return;
  }
  engine client;
  bytes wire;
  std::array<std::byte, 4096> buf{};
  std::int64_t n = 0;
  bool broken = false;
  for (auto _ : state) {
    const auto me = client.call(value::text("echo"), {value::integer(n++)});
    client.take_output(wire);
    if (::write(child.stdin_fd, wire.data(), wire.size()) != static_cast<ssize_t>(wire.size())) {
      broken = true;
      break;
    }
    bool answered = false;
    while (!answered) {
      const auto got = ::read(child.stdout_fd, buf.data(), buf.size());
      if (got <= 0) {
        broken = true;
        break;
      }
      client.receive(byte_view(buf.data(), static_cast<std::size_t>(got)));
      while (auto ev = client.poll_event())
        answered |= ev->type == event_type::final && ev->conv == *me;
    }
    if (broken) break;
  }
  ::close(child.stdin_fd);
  ::close(child.stdout_fd);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  if (broken) state.SkipWithError("the server went away");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(round_trip)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
