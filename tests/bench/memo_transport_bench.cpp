// Goodput of memos through the real socket path (memo_send_loop → kernel → memo_receive_loop,
// one thread), over udp loopback and unix datagram, unsigned and signed, next to baselines
// measured in the same run:
//   raw:    plain sendto/recv of datagrams of the same size, same thread, no memo work;
//   verify: the byte rate libsodium's Ed25519 verification alone allows (verifications/s ×
//           body bytes per signed gram).
// Rates are per CPU second of this thread, so other load on the machine skews no ratio.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "wirekit/memo/key_file.hpp"
#include "wirekit/net/memo_receive_loop.hpp"
#include "wirekit/net/memo_send_loop.hpp"

using namespace wirekit;

namespace {

constexpr std::size_t memo_bytes = 1 << 20;
constexpr std::size_t udp_gram_bytes = 1240;
constexpr std::size_t uxd_gram_bytes = 65535;

std::map<std::string, double> baseline;  // bytes per CPU second, by name

double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

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

// Raw datagrams of `size` bytes through a socket pair of the family, in batches the
// receive buffer holds, sent and received by this thread.
void BM_raw(benchmark::State& state, bool udp) {
  const std::size_t size = udp ? udp_gram_bytes : uxd_gram_bytes;
  const int family = udp ? AF_INET : AF_UNIX;
  int fds[2];
  if (udp) {
    fds[0] = ::socket(AF_INET, SOCK_DGRAM, 0);
    fds[1] = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fds[1], reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fds[1], reinterpret_cast<sockaddr*>(&a), &len);
    ::connect(fds[0], reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    ::socketpair(family, SOCK_DGRAM, 0, fds);
  }
  const int rcvbuf = 4 << 20;
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  std::vector<char> out(size, 'x'), in(65536);
  const std::size_t batch = udp ? 64 : 2;
  const std::size_t per_iteration = (memo_bytes + size - 1) / size;
  const double start = thread_seconds();
  for (auto _ : state) {
    for (std::size_t sent = 0; sent < per_iteration; sent += batch) {
      const std::size_t n = std::min(batch, per_iteration - sent);
      for (std::size_t i = 0; i < n; ++i)
        ::send(fds[0], out.data(), size, 0);
      for (std::size_t i = 0; i < n; ++i)
        ::recv(fds[1], in.data(), in.size(), 0);
    }
  }
  const double bytes = static_cast<double>(state.iterations() * per_iteration * size);
  baseline[udp ? "udp" : "uxd"] = bytes / (thread_seconds() - start);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  ::close(fds[0]);
  ::close(fds[1]);
}

void BM_verify(benchmark::State& state) {
  // A signed 1240-byte text gram signs all but its 88-character signature.
  const bytes message(udp_gram_bytes - 88, std::byte{1});
  const auto sig = the_key().sign(message);
  const double start = thread_seconds();
  std::size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(memo::verify(the_key().public_key(), message, sig));
    ++n;
  }
  // Body bytes a signed 1240-byte later gram carries (1240 - 120 bytes of header+sig).
  baseline["verify"] = static_cast<double>(n) * (udp_gram_bytes - 120) / (thread_seconds() - start);
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}

void BM_memo(benchmark::State& state, bool udp, bool is_signed) {
  bytes memo(memo_bytes);
  for (std::size_t i = 0; i < memo.size(); ++i)
    memo[i] = std::byte(i * 31);
  asio::io_context io;
  net::memo_receive_config rc;
  rc.where = *net::parse_endpoint(endpoint_for(udp));
  net::memo_receive_loop rx(io, rc);
  std::size_t delivered = 0;
  rx.start([&](const memo::completed_memo&) { ++delivered; });
  net::memo_send_config sc;
  sc.to = udp ? *net::parse_endpoint(net::to_string(rx.local_address())) : rc.where;
  sc.rend.size = udp ? udp_gram_bytes : uxd_gram_bytes;
  if (is_signed) {
    sc.rend.signer = &the_key();
    sc.rend.vid = memo::vid_text('B', the_key().public_key());
  }
  net::memo_send_loop tx(io, sc);
  const double start = thread_seconds();
  for (auto _ : state) {
    const std::size_t want = delivered + 1;
    tx.queue(memo);
    while (delivered < want && !tx.failure())
      io.run_one();
    if (tx.failure()) state.SkipWithError(tx.failure()->c_str());
  }
  const double rate =
      static_cast<double>(state.iterations() * memo_bytes) / (thread_seconds() - start);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * memo_bytes));
  const double raw = baseline[udp ? "udp" : "uxd"];
  if (raw > 0) state.counters["vs_raw"] = rate / raw;
  if (is_signed && baseline["verify"] > 0) state.counters["vs_verify"] = rate / baseline["verify"];
  if (rx.stats().dropped_total() != 0) state.SkipWithError("grams were dropped");
}

}  // namespace

// Baselines first: the memo benchmarks divide by them.
BENCHMARK_CAPTURE(BM_raw, udp, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_raw, uxd, false)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_verify)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_memo, udp_unsigned, true, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_memo, uxd_unsigned, false, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_memo, udp_signed, true, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_memo, uxd_signed, false, true)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
