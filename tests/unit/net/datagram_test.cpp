#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "wirekit/net/datagram_receiver.hpp"
#include "wirekit/net/datagram_sender.hpp"

using namespace wirekit;
using namespace wirekit::net;
using namespace std::chrono_literals;

namespace {

std::string temp_socket_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("wk-" + std::to_string(::getpid()) + "-" + name + ".sock"))
      .string();
}

// Runs io until done() or a 10 s deadline; returns done().
template <typename Done>
bool run_until(asio::io_context& io, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline)
    io.run_for(20ms);
  return done();
}

bytes numbered(std::size_t i, std::size_t size) {
  bytes b(size, std::byte{static_cast<unsigned char>(i)});
  b[0] = std::byte(i >> 8);
  b[1] = std::byte(i & 0xff);
  return b;
}

}  // namespace

TEST_CASE("udp datagrams cross loopback with their source", "[net][datagram]") {
  for (const char* host : {"udp://127.0.0.1:0", "udp://[::1]:0"}) {
    DYNAMIC_SECTION(host) {
      asio::io_context io;
      datagram_receiver rx(io, *parse_endpoint(host));
      std::vector<std::string> got;
      std::string source;
      rx.start([&](byte_view d, const datagram_address& src) {
        got.push_back(to_string(d));
        source = to_string(src);
      });
      datagram_sender tx(io, std::nullopt);
      for (const char* text : {"one", "two", "three"}) {
        REQUIRE(tx.push(rx.local_address(), to_bytes(text)) == push_result::queued);
      }
      REQUIRE(run_until(io, [&] { return got.size() == 3; }));
      CHECK(got == std::vector<std::string>{"one", "two", "three"});
      CHECK(source.starts_with("udp://"));
      CHECK(tx.stats().sent_datagrams == 3);
      CHECK(tx.idle());
    }
  }
}

TEST_CASE("uxd receiver replaces a stale socket file and removes its own", "[net][datagram]") {
  const auto path = temp_socket_path("stale");
  {
    // A socket file whose owner is gone: bound, then closed without unlinking.
    asio::io_context io;
    asio::local::datagram_protocol::socket s(io, asio::local::datagram_protocol::endpoint(path));
  }
  REQUIRE(std::filesystem::exists(path));
  {
    asio::io_context io;
    datagram_receiver rx(io, *parse_endpoint("uxd:" + path));
    CHECK(std::filesystem::is_socket(path));
    // A second receiver on a live socket must refuse, not steal it.
    CHECK_THROWS_WITH(datagram_receiver(io, *parse_endpoint("uxd:" + path)),
                      Catch::Contains("another process receives on it"));
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("uxd receiver refuses to replace a file that is not a socket", "[net][datagram]") {
  const auto path = temp_socket_path("plain");
  std::ofstream(path) << "keep me";
  asio::io_context io;
  CHECK_THROWS_WITH(datagram_receiver(io, *parse_endpoint("uxd:" + path)),
                    Catch::Contains("not a socket"));
  CHECK(std::filesystem::file_size(path) == 7);
  std::filesystem::remove(path);
}

TEST_CASE("a sender loses nothing when the receiver's queue is full", "[net][datagram]") {
  // Far more datagrams than a unix socket queues (max_dgram_qlen, rcvbuf): the sender
  // must meet EAGAIN and wait instead of dropping.
  constexpr std::size_t count = 3000;
  constexpr std::size_t size = 2000;
  const auto path = temp_socket_path("full");
  asio::io_context io;
  datagram_receiver_options small;
  small.receive_buffer_bytes = 16 * 1024;
  datagram_receiver rx(io, *parse_endpoint("uxd:" + path), small);
  datagram_sender tx(io, std::nullopt);
  for (std::size_t i = 0; i < count; ++i) {
    REQUIRE(tx.push(rx.local_address(), numbered(i, size)) == push_result::queued);
  }
  // Let the sender fill the peer before anyone reads.
  io.run_for(50ms);
  CHECK(tx.stats().sent_datagrams < count);

  std::size_t received = 0;
  bool in_order = true;
  rx.start([&](byte_view d, const datagram_address&) {
    in_order =
        in_order && d.size() == size && bytes(d.begin(), d.end()) == numbered(received, size);
    ++received;
  });
  REQUIRE(run_until(io, [&] { return received == count; }));
  CHECK(in_order);
  CHECK(tx.stats().sent_datagrams == count);
  CHECK(tx.stats().dropped_datagrams == 0);
}

TEST_CASE("datagrams with a tail go out whole and their keeper is let go after",
          "[net][datagram]") {
  // Head and tail in one datagram; over uxd also when the receiver's queue is full and the
  // sender waits (the retry path sends them as two buffers too). A full udp queue drops.
  const auto path = temp_socket_path("tail");
  for (const std::string& where : {std::string("udp://127.0.0.1:0"), "uxd:" + path}) {
    DYNAMIC_SECTION(where) {
      asio::io_context io;
      const bool fill_first = where.starts_with("uxd");
      // udp: no more than a default receive buffer holds while the loop is busy sending.
      const std::size_t count = fill_first ? 2000 : 100;
      datagram_receiver_options opts;
      if (fill_first) opts.receive_buffer_bytes = 16 * 1024;
      datagram_receiver rx(io, *parse_endpoint(where), opts);
      std::size_t received = 0;
      bool whole = true;
      const auto start = [&] {
        rx.start([&](byte_view d, const datagram_address&) {
          bytes expected = numbered(received, 10);
          for (std::size_t k = 0; k < 1000; ++k)
            expected.push_back(std::byte((received * 1000 + k) * 7));
          whole = whole && bytes(d.begin(), d.end()) == expected;
          ++received;
        });
      };
      if (!fill_first) start();
      datagram_sender tx(io, std::nullopt);
      auto body = std::make_shared<bytes>(count * 1000);
      for (std::size_t i = 0; i < body->size(); ++i)
        (*body)[i] = std::byte(i * 7);
      const std::weak_ptr<bytes> watch = body;
      std::vector<outgoing_datagram> run;
      for (std::size_t i = 0; i < count; ++i) {
        run.push_back({numbered(i, 10), byte_view(*body).subspan(i * 1000, 1000), body});
        if (run.size() == 50) {
          REQUIRE(tx.push(rx.local_address(), std::span<outgoing_datagram>(run)) ==
                  push_result::queued);
          run.clear();
        }
      }
      body.reset();
      if (fill_first) {
        io.run_for(50ms);  // fills the receiver before anyone reads
        CHECK(tx.stats().sent_datagrams < count);
        start();
      }
      REQUIRE(run_until(io, [&] { return received == count; }));
      CHECK(whole);
      CHECK(tx.stats().sent_bytes == count * 1010);
      CHECK(tx.idle());
      CHECK(watch.expired());
    }
  }
}

TEST_CASE("a failing destination never blocks the others", "[net][datagram]") {
  const auto live = temp_socket_path("live");
  const auto dead = temp_socket_path("dead");
  asio::io_context io;
  datagram_receiver rx(io, *parse_endpoint("uxd:" + live));
  std::size_t received = 0;
  rx.start([&](byte_view, const datagram_address&) { ++received; });

  datagram_sender tx(io, std::nullopt);
  std::vector<std::string> failed;
  tx.on_failure([&](const datagram_address& to, std::error_code, std::size_t) {
    failed.push_back(to_string(to));
  });
  const auto dead_address = resolve_datagram(io, *parse_endpoint("uxd:" + dead));
  for (int i = 0; i < 10; ++i) {
    const auto r = tx.push(dead_address, to_bytes("lost"));
    CHECK((r == push_result::queued || r == push_result::destination_failed));
    CHECK(tx.push(rx.local_address(), to_bytes("kept")) == push_result::queued);
  }
  REQUIRE(run_until(io, [&] { return received == 10; }));
  CHECK(failed == std::vector<std::string>{"uxd:" + dead});
  CHECK(tx.idle());
}

TEST_CASE("a sender refuses more than its byte budget", "[net][datagram]") {
  // The peer does not read, so the kernel soon refuses more and the queue fills up.
  const auto path = temp_socket_path("budget");
  asio::io_context io;
  datagram_receiver rx(io, *parse_endpoint("uxd:" + path));
  datagram_sender_limits limits;
  limits.max_queued_bytes = 100'000;
  datagram_sender tx(io, std::nullopt, limits);
  std::size_t pushed = 0;
  push_result last = push_result::queued;
  while (pushed < 100'000 &&
         (last = tx.push(rx.local_address(), bytes(2000))) == push_result::queued)
    ++pushed;
  CHECK(last == push_result::full);
  CHECK(tx.queued_bytes() <= limits.max_queued_bytes);
  CHECK(tx.queued_bytes() > limits.max_queued_bytes - 2000);

  std::size_t received = 0;
  rx.start([&](byte_view, const datagram_address&) { ++received; });
  REQUIRE(run_until(io, [&] { return received == pushed; }));
  CHECK(tx.idle());
}

TEST_CASE("a receiver on a sender's bound socket reads the replies and the sender keeps it",
          "[net][datagram]") {
  const std::string a_path = temp_socket_path("adopt-a"), b_path = temp_socket_path("adopt-b");
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"udp://127.0.0.1:0", "udp://127.0.0.1:0"},
        {"uxd:" + a_path, "uxd:" + b_path}}) {
    DYNAMIC_SECTION(from) {
      asio::io_context io;
      datagram_receiver peer(io, *parse_endpoint(to));
      datagram_sender peer_tx(io, std::nullopt);
      // The peer answers every datagram to its source, 40 of them: more than one recvmmsg.
      peer.start([&](byte_view d, const datagram_address& src) {
        peer_tx.push(src, bytes(d.begin(), d.end()));
      });
      datagram_sender tx(io, *parse_endpoint(from));
      bool failed = false;
      tx.on_failure([&](const datagram_address&, std::error_code, std::size_t) { failed = true; });
      std::size_t sent = 0;
      for (; sent < 40; ++sent)
        REQUIRE(tx.push(peer.local_address(), numbered(sent, 100)) == push_result::queued);
      auto* socket = tx.shared_socket(peer.local_address().protocol().family());
      REQUIRE(socket);
      {
        datagram_receiver replies(io, *socket);
        CHECK(to_string(replies.local_address()) == to_string(socket->local_endpoint()));
        std::vector<bytes> got;
        replies.start(
            [&](byte_view d, const datagram_address&) { got.emplace_back(d.begin(), d.end()); });
        REQUIRE(run_until(io, [&] { return got.size() == sent; }));
        for (std::size_t i = 0; i < got.size(); ++i)
          CHECK(got[i] == numbered(i, 100));
        replies.stop();
      }
      // Closing the duplicate left the sender's socket open.
      REQUIRE(tx.push(peer.local_address(), numbered(99, 100)) == push_result::queued);
      REQUIRE(run_until(io, [&] { return tx.idle(); }));
      CHECK_FALSE(failed);
      CHECK(tx.stats().sent_datagrams == sent + 1);
    }
  }
}
