// The packet engine without I/O: what pktconn could do if the pipes cost nothing.
#include <benchmark/benchmark.h>

#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/connection.hpp"

using namespace wirekit;

static void encode_decode_small(benchmark::State& state) {
  const bytes payload(16, std::byte{'a'});
  bytes out;
  std::uint64_t tag = 2;
  for (auto _ : state) {
    out.clear();
    packet::encode(packet::make_request(0, tag++, 0, 0, payload), out);
    auto d = packet::decode(out);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(encode_decode_small);

// One client and one server engine back to back: requests of range(0) bytes, pipelined in
// batches of 256, answered by echo.
static void engine_round_trips(benchmark::State& state) {
  const bytes payload(static_cast<std::size_t>(state.range(0)), std::byte{'a'});
  packet::connection_config cc;
  cc.accepts_requests = false;
  packet::connection client(cc);
  packet::connection_config sc;
  sc.limits.max_inflight = 4096;
  sc.limits.max_output_bytes = std::size_t{64} << 20;
  packet::connection server(sc);
  bytes wire;
  std::int64_t done = 0;
  for (auto _ : state) {
    for (int i = 0; i < 256; ++i)
      client.submit(0, 0, payload);
    client.take_output(wire);
    server.receive(wire);
    while (auto e = server.poll_event()) {
      if (e->kind == packet::event_kind::request)
        server.respond(e->channel, e->tag, true, 0, e->payload);
    }
    server.take_output(wire);
    client.receive(wire);
    while (auto e = client.poll_event())
      ++done;
  }
  state.SetItemsProcessed(done);
  state.SetBytesProcessed(done * state.range(0));
}
BENCHMARK(engine_round_trips)->Arg(16)->Arg(65536);

BENCHMARK_MAIN();
