// Acknowledged delivery (--sure) of 1 MiB memos over udp loopback with 1240-byte grams:
// memo_send_loop on this thread, memo_receive_loop acking on a second one, as memo-send
// --sure and memo-recv run. Loss is made inside the sender (memo_send_config::test_loss:
// that share of the grams it sends and of the acks it receives is dropped, seeded), so no
// relay thread competes for the cores. One memo at a time: each must be acked before the
// next is queued, so every memo pays for recovering its own tail. Next to raw udp measured
// in the same run (scripts/bench memo --sure prints the ratios). Wall-clock.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "raw_datagram_baseline.hpp"
#include "wirekit/net/memo_receive_loop.hpp"
#include "wirekit/net/memo_send_loop.hpp"

using namespace wirekit;

namespace {

constexpr std::size_t memo_bytes = 1 << 20;
constexpr std::size_t gram_bytes = 1240;

void BM_raw_udp(benchmark::State& state) {
  bench::raw_udp(state, gram_bytes, memo_bytes);
}

// Counters per memo: timeouts, fast (grams resent because later ones were acked), probes
// (tail-loss probes), acks (sent by the receiver); retx: grams resent per gram of the memos.
void BM_sure(benchmark::State& state, double loss) {
  bytes memo(memo_bytes);
  for (std::size_t i = 0; i < memo.size(); ++i)
    memo[i] = std::byte(i * 31);

  asio::io_context rx_io;
  net::memo_receive_config rc;
  rc.where = *net::parse_endpoint("udp://127.0.0.1:0");
  net::memo_receive_loop rx(rx_io, rc);
  std::atomic<std::size_t> delivered{0};
  rx.start([&](const memo::completed_memo&) { delivered.fetch_add(1, std::memory_order_release); });
  auto work = asio::make_work_guard(rx_io);
  std::thread receiver([&] { rx_io.run(); });

  asio::io_context io;
  net::memo_send_config sc;
  sc.to = *net::parse_endpoint(net::to_string(rx.local_address()));
  sc.rend.size = gram_bytes;
  sc.rend.sure = true;
  sc.sure = memo::sure_config{};
  sc.test_loss = loss;
  sc.test_loss_seed = 5;
  net::memo_send_loop tx(io, sc);
  std::size_t acked = 0, failed = 0;
  tx.on_outcome([&](const memo::memo_outcome& o) { ++(o.delivered ? acked : failed); });
  for (auto _ : state) {
    tx.queue(memo);
    while (!tx.settled())
      io.run_one();
    if (failed) break;
  }
  work.reset();
  asio::post(rx_io, [&] { rx.stop(); });
  receiver.join();
  if (failed) return state.SkipWithError("a memo was not acknowledged");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * memo_bytes));
  const auto& s = *tx.sure_stats();
  const auto per_memo = [&](std::uint64_t n) {
    return static_cast<double>(n) / static_cast<double>(state.iterations());
  };
  state.counters["retx"] = static_cast<double>(s.retransmissions) /
                           static_cast<double>(s.grams_sent - s.retransmissions);
  state.counters["timeouts"] = per_memo(s.timeouts);
  state.counters["fast"] = per_memo(s.fast_retransmissions);
  state.counters["probes"] = per_memo(s.tail_probes);
  state.counters["acks"] = per_memo(rx.acks_sent());
}

}  // namespace

// The baseline first: scripts/bench divides by it.
BENCHMARK(BM_raw_udp)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_sure, loss0, 0.0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_sure, loss5, 0.05)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
