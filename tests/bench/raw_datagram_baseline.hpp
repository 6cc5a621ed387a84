// The raw datagram baselines that memo goodput is divided by (udp loopback, unix datagram
// socketpair): plain send() on this thread and plain recv() on a second one, datagrams of the
// memo transport's gram size, no memo work.
// Wall-clock. Like a program moving a memo, it sends consecutive slices of a memo-sized
// buffer and receives into consecutive slices of another (one hot 64 KiB buffer both ways
// would stay in cache and flatter the baseline), with one memo's worth in flight.
#pragma once

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

namespace wirekit::bench {

// Waits (bounded) until counter reaches target; false on timeout (datagrams were lost).
inline bool wait_for(const std::atomic<std::size_t>& counter, std::size_t target) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (counter.load(std::memory_order_acquire) < target) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Moves memo-sized runs of SIZE-byte datagrams from fds[0] to fds[1] (connected); closes both.
inline void raw_datagrams(benchmark::State& state, int fds[2], std::size_t size,
                          std::size_t memo_bytes) {
  const int rcvbuf = 4 << 20;
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  const timeval tv{0, 200'000};  // lets the receiver notice the end
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::atomic<std::size_t> received{0};
  std::atomic<bool> stop{false};
  const std::size_t per_iteration = (memo_bytes + size - 1) / size;
  std::thread receiver([&] {
    std::vector<char> in(per_iteration * size + 65536);
    std::size_t slot = 0;
    while (!stop.load()) {
      if (::recv(fds[1], in.data() + slot * size, 65536, 0) > 0) {
        received.fetch_add(1, std::memory_order_release);
        slot = (slot + 1) % per_iteration;
      }
    }
  });
  std::vector<char> out(per_iteration * size);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(i * 31);
  std::size_t sent = 0;
  bool lost = false;
  for (auto _ : state) {
    if (!wait_for(received, sent > per_iteration ? sent - per_iteration : 0)) {
      lost = true;
      break;
    }
    for (std::size_t i = 0; i < per_iteration; ++i)
      ::send(fds[0], out.data() + i * size, size, 0);
    sent += per_iteration;
  }
  if (!lost && !wait_for(received, sent)) lost = true;
  stop = true;
  receiver.join();
  ::close(fds[0]);
  ::close(fds[1]);
  if (lost) return state.SkipWithError("raw datagrams were lost");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * per_iteration * size));
}

inline void raw_udp(benchmark::State& state, std::size_t size, std::size_t memo_bytes) {
  int fds[2];
  fds[0] = ::socket(AF_INET, SOCK_DGRAM, 0);
  fds[1] = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fds[1], reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fds[1], reinterpret_cast<sockaddr*>(&a), &len);
  ::connect(fds[0], reinterpret_cast<sockaddr*>(&a), sizeof a);
  raw_datagrams(state, fds, size, memo_bytes);
}

inline void raw_uxd(benchmark::State& state, std::size_t size, std::size_t memo_bytes) {
  int fds[2];
  ::socketpair(AF_UNIX, SOCK_DGRAM, 0, fds);
  raw_datagrams(state, fds, size, memo_bytes);
}

}  // namespace wirekit::bench
