// Goodput of memos through the real socket path (memo_send_loop → kernel → memo_receive_loop,
// sender and receiver on two threads as the two tools run), over udp loopback and unix
// datagram, unsigned and signed, next to baselines measured in the same run:
//   raw:    plain send/recv of datagrams of the same size on two threads, no memo work;
//   verify: the memo byte rate libsodium's Ed25519 verification alone allows (one core).
// Wall-clock rates: run it on an otherwise idle machine (scripts/bench).
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "raw_datagram_baseline.hpp"
#include "wirekit/memo/key_file.hpp"
#include "wirekit/net/memo_receive_loop.hpp"
#include "wirekit/net/memo_send_loop.hpp"

using namespace wirekit;

namespace {

constexpr std::size_t memo_bytes = 1 << 20;
constexpr std::size_t udp_gram_bytes = 1240;
constexpr std::size_t uxd_gram_bytes = 65535;

std::string endpoint_for(bool udp) {
  if (udp) return "udp://127.0.0.1:0";
  return "uxd:" + (std::filesystem::temp_directory_path() /
                   ("wk-bench-" + std::to_string(::getpid()) + ".sock"))
                      .string();
}

const memo::signing_key& the_key() {
  static const memo::signing_key key([] {
    memo::seed s{};
    s.fill(std::byte{7});
    return s;
  }());
  return key;
}

// Raw datagrams of the memo transport's gram size (raw_datagram_baseline.hpp).
void BM_raw(benchmark::State& state, bool udp) {
  if (udp) return bench::raw_udp(state, udp_gram_bytes, memo_bytes);
  bench::raw_uxd(state, uxd_gram_bytes, memo_bytes);
}

void BM_verify(benchmark::State& state, std::size_t gram_bytes) {
  // A signed text gram signs all but its 88-character signature.
  const bytes message(gram_bytes - 88, std::byte{1});
  const auto sig = the_key().sign(message);
  for (auto _ : state)
    benchmark::DoNotOptimize(memo::verify(the_key().public_key(), message, sig));
  // Reported as the memo bytes per second verification alone allows: a signed later gram
  // carries its size less 120 bytes of memo.
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (gram_bytes - 120)));
}

// Signing hashes the message twice (Ed25519), so for large grams the sender's signing, not
// the receiver's verification, bounds signed goodput: measured too, to show which bound holds.
void BM_sign(benchmark::State& state, std::size_t gram_bytes) {
  const bytes message(gram_bytes - 88, std::byte{1});
  for (auto _ : state)
    benchmark::DoNotOptimize(the_key().sign(message));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (gram_bytes - 120)));
}

// memo_send_loop on this thread, memo_receive_loop on a second one, as memo-send and
// memo-recv run in two processes. Wall-clock: goodput is what the slower side allows.
void BM_memo(benchmark::State& state, bool udp, bool is_signed) {
  auto filled = std::make_shared<bytes>(memo_bytes);
  for (std::size_t i = 0; i < filled->size(); ++i)
    (*filled)[i] = std::byte(i * 31);
  // Handed over as memo-send does (which takes the memo it read): unsigned grams go out as
  // slices of it.
  const std::shared_ptr<const bytes> the_memo = filled;

  asio::io_context rx_io;
  net::memo_receive_config rc;
  rc.where = *net::parse_endpoint(endpoint_for(udp));
  net::memo_receive_loop rx(rx_io, rc);
  std::atomic<std::size_t> delivered{0};
  rx.start([&](const memo::completed_memo&) { delivered.fetch_add(1, std::memory_order_release); });
  auto work = asio::make_work_guard(rx_io);
  std::thread receiver([&] { rx_io.run(); });

  asio::io_context io;
  net::memo_send_config sc;
  sc.to = udp ? *net::parse_endpoint(net::to_string(rx.local_address())) : rc.where;
  sc.rend.size = udp ? udp_gram_bytes : uxd_gram_bytes;
  if (is_signed) {
    sc.rend.signer = &the_key();
    sc.rend.vid = memo::vid_text('B', the_key().public_key());
  }
  net::memo_send_loop tx(io, sc);
  std::size_t sent = 0;
  const char* error = nullptr;
  for (auto _ : state) {
    tx.queue(the_memo);
    while (tx.busy() && !tx.failure()) {
      // The context stops whenever it runs out of work (end of the previous memo); a stopped
      // context returns from run_one at once, and this loop would spin forever.
      io.restart();
      io.run_one();
    }
    // A stream of memos, as memo-send sends them: the next memo is cut (and signed) while
    // the receiver still works on this one. One memo in flight at most, so a lost gram
    // still shows as a memo not delivered.
    if (tx.failure() || !bench::wait_for(delivered, sent++)) {
      if (tx.failure()) std::fprintf(stderr, "send failed: %s\n", tx.failure()->c_str());
      error = tx.failure() ? "send failed" : "memo not delivered (grams lost)";
      break;
    }
  }
  if (!error && !bench::wait_for(delivered, sent)) error = "memo not delivered (grams lost)";
  work.reset();
  asio::post(rx_io, [&] { rx.stop(); });
  receiver.join();
  if (error) return state.SkipWithError(error);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * memo_bytes));
}

}  // namespace

// Baselines first: the memo benchmarks divide by them.
BENCHMARK_CAPTURE(BM_raw, udp, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_raw, uxd, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_verify, udp, udp_gram_bytes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_verify, uxd, uxd_gram_bytes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_sign, udp, udp_gram_bytes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_sign, uxd, uxd_gram_bytes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_memo, udp_unsigned, true, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_memo, uxd_unsigned, false, false)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_memo, udp_signed, true, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_memo, uxd_signed, false, true)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
