// Server CPU of one full TLS 1.3 handshake with tcpserve's own TLS settings (tls_generation,
// ECDSA P-256 certificate) over a BIO pair in memory: no sockets, no event loop, only OpenSSL.
// Only the server's SSL calls are timed (thread CPU time), so this is OpenSSL's floor for
// tcpserve's CPU per connection; scripts/bench tcpserve prints it beside the real thing.
// Arguments: session tickets sent (tcpserve's default is 1, OpenSSL's 2) and the key share the
// client offers first (0: X25519, as OpenSSL and most clients do; 1: P-256).
// BM_socket_exchange is the other half of the floor: the same flights a TLS 1.3 handshake with
// one ticket puts on the wire (sizes as tcpserve sends them), over loopback TCP with no TLS
// and no event loop, blocking calls only; the server thread's CPU (user + system) is timed.
// The sum of the two is what any OpenSSL-based server pays per connection on this machine when
// everything is hot in cache.
// `tls_handshake_bench --blocking-server PORT CERT KEY` is the third floor, measured from
// outside by scripts/bench tcpserve with the same load as tcpserve: the smallest real OpenSSL
// server (tcpserve's TLS settings; blocking accept, SSL_accept, read to the end, close; one
// connection at a time, no event loop, no handler), serving until killed.
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "../unit/net/test_certificate.hpp"
#include "wirekit/net/tls_context.hpp"

using namespace wirekit;

namespace {

double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A P-256 key and a self-signed certificate for it, written once to a temporary directory.
struct cert_files {
  std::filesystem::path dir;
  std::string cert;
  std::string key;

  cert_files() {
    char pattern[] = "/tmp/wirekit-tls-bench-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    cert = (dir / "c.pem").string();
    key = (dir / "k.pem").string();
    net::test::make_certificate(cert, key);
  }
  ~cert_files() { std::filesystem::remove_all(dir); }
};

const cert_files& files() {
  static const cert_files f;
  return f;
}

void BM_server_full_handshake(benchmark::State& state) {
  net::tls_server_config config;
  config.cert_key_files = {{files().cert, files().key}};
  config.tickets = static_cast<std::size_t>(state.range(0));
  net::tls_generation server_tls(config);
  SSL_CTX* server_ctx = server_tls.default_context().native_handle();
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(client_ctx, TLS1_3_VERSION);
  if (state.range(1) == 1) SSL_CTX_set1_groups_list(client_ctx, "P-256:X25519");
  SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_OFF);

  double server_total = 0;
  for (auto _ : state) {
    double server_cpu = 0;
    double t0 = thread_seconds();
    SSL* server = SSL_new(server_ctx);
    server_cpu += thread_seconds() - t0;
    SSL* client = SSL_new(client_ctx);
    BIO* server_bio = nullptr;
    BIO* client_bio = nullptr;
    BIO_new_bio_pair(&server_bio, 0, &client_bio, 0);
    SSL_set_bio(server, server_bio, server_bio);
    SSL_set_bio(client, client_bio, client_bio);
    SSL_set_accept_state(server);
    SSL_set_connect_state(client);
    bool server_done = false;
    bool client_done = false;
    for (int round = 0; round < 10 && !(server_done && client_done); ++round) {
      if (!client_done) client_done = SSL_do_handshake(client) == 1;
      t0 = thread_seconds();
      if (!server_done) server_done = SSL_do_handshake(server) == 1;
      server_cpu += thread_seconds() - t0;
    }
    if (!server_done || !client_done) {
      state.SkipWithError("handshake did not complete");
      break;
    }
    t0 = thread_seconds();
    SSL_free(server);
    server_cpu += thread_seconds() - t0;
    SSL_free(client);
    state.SetIterationTime(server_cpu);
    server_total += server_cpu;
  }
  SSL_CTX_free(client_ctx);
  state.counters["server_ms"] =
      benchmark::Counter(1000.0 * server_total / static_cast<double>(state.iterations()),
                         benchmark::Counter::kDefaults);
}

// Bytes of each flight of a TLS 1.3 handshake with an ECDSA P-256 certificate and one ticket,
// as measured with strace on tcpserve: ClientHello, the server's first flight, the client's
// Finished, the ticket, the client's close_notify.
constexpr std::size_t client_hello_bytes = 297;
constexpr std::size_t server_flight_bytes = 756;
constexpr std::size_t client_finished_bytes = 80;
constexpr std::size_t ticket_bytes = 271;
constexpr std::size_t close_notify_bytes = 24;
constexpr int exchange_connections = 4000;

void read_exactly(int fd, char* buf, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::read(fd, buf, n);
    if (got <= 0) return;
    n -= static_cast<std::size_t>(got);
  }
}

void BM_socket_exchange(benchmark::State& state) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 128) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    state.SkipWithError("cannot listen on loopback");
    ::close(listener);
    return;
  }
  std::thread client([address] {
    std::array<char, 2048> buf{};
    for (int i = 0; i < exchange_connections; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return;
      }
      (void)!::write(fd, buf.data(), client_hello_bytes);
      read_exactly(fd, buf.data(), server_flight_bytes);
      (void)!::write(fd, buf.data(), client_finished_bytes);
      read_exactly(fd, buf.data(), ticket_bytes);
      (void)!::write(fd, buf.data(), close_notify_bytes);
      ::shutdown(fd, SHUT_WR);
      while (::read(fd, buf.data(), buf.size()) > 0) {
      }
      ::close(fd);
    }
  });
  std::array<char, 2048> buf{};
  double server_total = 0;
  for (auto _ : state) {
    double t0 = thread_seconds();
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    read_exactly(fd, buf.data(), client_hello_bytes);
    (void)!::write(fd, buf.data(), server_flight_bytes);
    read_exactly(fd, buf.data(), client_finished_bytes);
    (void)!::write(fd, buf.data(), ticket_bytes);
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    ::close(fd);
    double spent = thread_seconds() - t0;
    state.SetIterationTime(spent);
    server_total += spent;
  }
  client.join();
  ::close(listener);
  state.counters["server_ms"] =
      benchmark::Counter(1000.0 * server_total / static_cast<double>(state.iterations()),
                         benchmark::Counter::kDefaults);
}

}  // namespace

BENCHMARK(BM_socket_exchange)
    ->Iterations(exchange_connections)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_server_full_handshake)
    ->ArgNames({"tickets", "p256_share"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({2, 0})
    ->Args({1, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

namespace {

int blocking_server(std::uint16_t port, const std::string& cert, const std::string& key) {
  ::signal(SIGPIPE, SIG_IGN);
  net::tls_server_config config;
  config.cert_key_files = {{cert, key}};
  net::tls_generation server_tls(config);
  SSL_CTX* ctx = server_tls.default_context().native_handle();
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 128) != 0) {
    std::perror("tls_handshake_bench: listen");
    return 1;
  }
  std::array<char, 16384> buf{};
  for (;;) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      while (SSL_read(ssl, buf.data(), static_cast<int>(buf.size())) > 0) {
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ::close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--blocking-server") == 0) {
    return blocking_server(static_cast<std::uint16_t>(std::atoi(argv[2])), argv[3], argv[4]);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
