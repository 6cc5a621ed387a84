// Memogram codec throughput: rend and pick+fuse of unsigned 1240-byte grams, and signed
// rend/receive as a ratio to libsodium's raw sign/verify rate measured in the same run
// (counters vs_raw_sign and vs_raw_verify; 1.0 means the codec costs nothing beyond
// Ed25519).
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <time.h>

#include <chrono>
#include <string>

#include "wirekit/memo/key_file.hpp"
#include "wirekit/memo/receiver.hpp"
#include "wirekit/memo/rend.hpp"

using namespace wirekit;
using namespace wirekit::memo;

namespace {

constexpr std::size_t gram_size = udp_gram_bytes;  // 1240
constexpr std::size_t memo_size = 1 << 20;
// What one signed text gram of 1240 bytes signs: everything but its 88-character signature.
constexpr std::size_t signed_part_bytes = gram_size - signature_chars;

double raw_sign_rate = 0;    // signatures per second, measured by BM_raw_sign
double raw_verify_rate = 0;  // verifications per second, measured by BM_raw_verify

const bytes& the_memo() {
  static const bytes memo = [] {
    bytes m(memo_size);
    for (std::size_t i = 0; i < m.size(); ++i)
      m[i] = static_cast<std::byte>('a' + i % 26);
    return m;
  }();
  return memo;
}

const signing_key& the_key() {
  static const signing_key key([] {
    seed s{};
    s.fill(std::byte{42});
    return s;
  }());
  return key;
}

rend_config config(bool is_signed) {
  rend_config c;
  c.size = gram_size;
  if (is_signed) {
    c.signer = &the_key();
    c.vid = vid_text('B', the_key().public_key());
  }
  return c;
}

// Per CPU second of this thread, so that other load on the machine does not skew ratios.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

class rate {
 public:
  double per_second(double count) const { return count / (thread_seconds() - start_); }

 private:
  double start_ = thread_seconds();
};

void BM_rend_unsigned(benchmark::State& state) {
  const auto c = config(false);
  std::size_t grams = 0;
  for (auto _ : state) {
    auto r = rend(the_memo(), c, random_mid());
    grams += r.grams.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * memo_size));
  state.SetItemsProcessed(static_cast<std::int64_t>(grams));
}

void BM_pick_fuse_unsigned(benchmark::State& state) {
  const auto grams = rend(the_memo(), config(false), random_mid()).grams;
  for (auto _ : state) {
    receiver rx({});
    for (const auto& g : grams)
      rx.on_gram(g, "bench", clock::time_point{});
    auto m = rx.poll_memo();
    if (!m) state.SkipWithError("memo did not complete");
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * memo_size));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * grams.size()));
}

void BM_raw_sign(benchmark::State& state) {
  bytes message(signed_part_bytes, std::byte{1});
  rate r;
  std::size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(the_key().sign(message));
    ++n;
  }
  raw_sign_rate = r.per_second(static_cast<double>(n));
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}

void BM_raw_verify(benchmark::State& state) {
  bytes message(signed_part_bytes, std::byte{1});
  const signature sig = the_key().sign(message);
  rate r;
  std::size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(verify(the_key().public_key(), message, sig));
    ++n;
  }
  raw_verify_rate = r.per_second(static_cast<double>(n));
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}

// A smaller memo keeps iterations short: signing dominates.
constexpr std::size_t signed_memo_size = 64 * 1024;

void BM_rend_signed(benchmark::State& state) {
  const auto c = config(true);
  const byte_view memo = byte_view(the_memo()).first(signed_memo_size);
  rate r;
  std::size_t grams = 0;
  for (auto _ : state) {
    auto result = rend(memo, c, random_mid());
    grams += result.grams.size();
    benchmark::DoNotOptimize(result);
  }
  const double gram_rate = r.per_second(static_cast<double>(grams));
  if (raw_sign_rate > 0) state.counters["vs_raw_sign"] = gram_rate / raw_sign_rate;
  state.SetItemsProcessed(static_cast<std::int64_t>(grams));
}

void BM_receive_signed(benchmark::State& state) {
  const byte_view memo = byte_view(the_memo()).first(signed_memo_size);
  const auto grams = rend(memo, config(true), random_mid()).grams;
  rate r;
  std::size_t n = 0;
  for (auto _ : state) {
    receiver rx({});
    for (const auto& g : grams)
      rx.on_gram(g, "bench", clock::time_point{});
    auto m = rx.poll_memo();
    if (!m) state.SkipWithError("memo did not complete");
    benchmark::DoNotOptimize(m);
    n += grams.size();
  }
  const double gram_rate = r.per_second(static_cast<double>(n));
  if (raw_verify_rate > 0) state.counters["vs_raw_verify"] = gram_rate / raw_verify_rate;
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}

}  // namespace

// Raw rates first: the signed benchmarks compare against them.
BENCHMARK(BM_rend_unsigned)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_pick_fuse_unsigned)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_raw_sign)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_raw_verify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_rend_signed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_receive_signed)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
