// Payloads sent by reference: requests submitted with submit_borrowed and big answers that
// lie in the receive buffer go out from where they lie, in the same bytes as a copy would.
#include <catch2/catch.hpp>

#include <cstring>

#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/connection.hpp"

using namespace wirekit;
using packet::event_kind;

namespace {

bytes joined(const packet::output& o) {
  if (o.pieces.empty()) return o.owned;
  bytes all;
  for (const auto piece : o.pieces)
    all.insert(all.end(), piece.begin(), piece.end());
  return all;
}

bool holds(const packet::output& o, const std::byte* at) {
  for (const auto piece : o.pieces) {
    if (piece.data() == at) return true;
  }
  return false;
}

packet::connection_config client() {
  packet::connection_config c;
  c.accepts_requests = false;
  return c;
}

// A server whose request events carry only payload views (no copy), as pktconn serve's.
packet::connection_config viewing_server() {
  packet::connection_config c;
  c.copy_payloads = false;
  return c;
}

// Bytes into the engine the way a read does: straight into its buffer.
void feed(packet::connection& c, byte_view wire) {
  auto room = c.input_space(wire.size());
  REQUIRE(room.size() >= wire.size());
  std::memcpy(room.data(), wire.data(), wire.size());
  c.input_written(wire.size());
}

bytes request_wire(std::uint64_t tag, const bytes& payload) {
  bytes wire;
  REQUIRE(packet::encode(packet::make_request(0, tag, 0, 0, payload), wire) ==
          packet::encode_status::ok);
  return wire;
}

}  // namespace

TEST_CASE("encode_head and the payload after it are the bytes encode gives", "[packet][codec]") {
  for (const std::size_t size : {0, 1, 127, 128, 70000}) {
    const bytes payload(size, std::byte{0x5a});
    const auto p = packet::make_request(3, 77, 5, 9, payload);
    bytes whole, head;
    REQUIRE(packet::encode(p, whole) == packet::encode_status::ok);
    REQUIRE(packet::encode_head(p, head) == packet::encode_status::ok);
    CHECK(head.size() == whole.size() - size);
    head.insert(head.end(), payload.begin(), payload.end());
    CHECK(head == whole);
    if (size > 10)
      CHECK(packet::encode_head(p, head, 10) == packet::encode_status::packet_too_large);
  }
}

TEST_CASE("a borrowed request is written from its payload and matches a copied one",
          "[packet][connection]") {
  const bytes small = to_bytes("ab");
  const bytes big(40000, std::byte{'q'});
  packet::connection copied(client()), borrowed(client()), flattened(client());
  for (auto* c : {&copied, &borrowed, &flattened}) {
    const bool by_reference = c != &copied;
    auto submit = [&](const bytes& payload) {
      return by_reference ? c->submit_borrowed(1, 2, payload) : c->submit(1, 2, payload);
    };
    CHECK(c->submit(0, 0, small).tag == 2);
    CHECK(submit(big).tag == 3);
    CHECK(submit(big).tag == 4);
    CHECK(c->submit(0, 0, small).tag == 5);
    CHECK(c->pending() == 4);
  }
  bytes expected;
  copied.take_output(expected);

  packet::output o;
  borrowed.take_output(o);
  // header+small, big, header, big, header+small: the big payloads are not copied.
  CHECK(o.pieces.size() == 5);
  CHECK(holds(o, big.data()));
  CHECK(o.owned.size() < 100);
  CHECK(joined(o) == expected);
  CHECK_FALSE(borrowed.has_output());

  bytes flat;
  flattened.take_output(flat);
  CHECK(flat == expected);
  CHECK_FALSE(flattened.has_output());

  // Nothing borrowed: one owned buffer, no pieces.
  packet::connection plain(client());
  plain.submit(0, 0, small);
  plain.take_output(o);
  CHECK(o.pieces.empty());
  CHECK(o.keep.empty());
  CHECK(o.owned.size() == 6);  // length, tag, flags, rq_type, "ab"
}

TEST_CASE("a big echo is sent from the receive buffer and stays intact while held",
          "[packet][connection]") {
  packet::connection server(viewing_server());
  const bytes first(20000, std::byte{'A'});
  const bytes second(20000, std::byte{'B'});
  const bytes small(100, std::byte{'s'});

  packet::output held;
  const std::byte* answered_from = nullptr;
  auto answer_all = [&] {
    while (auto e = server.poll_event()) {
      if (e->kind != event_kind::request) continue;
      CHECK(e->payload.empty());
      if (answered_from == nullptr) answered_from = e->payload_view.data();
      server.respond(e->channel, e->tag, true, 0, e->payload_view);
    }
  };

  feed(server, request_wire(2, first));
  answer_all();
  server.take_output(held);
  REQUIRE(held.pieces.size() == 2);  // the answer's header, then the request's own bytes
  CHECK(holds(held, answered_from));
  CHECK(held.keep.size() == 1);

  // More input while the answer is not yet written: the buffer's first bytes would be reused
  // for it if nothing held them.
  feed(server, request_wire(3, second));
  answer_all();
  packet::output next;
  server.take_output(next);

  bytes expected_first, expected_second;
  packet::encode(packet::make_response(0, 2, true, 0, first), expected_first);
  packet::encode(packet::make_response(0, 3, true, 0, second), expected_second);
  CHECK(joined(held) == expected_first);
  CHECK(joined(next) == expected_second);

  // Small answers are copied: nothing to hold.
  held.keep.clear();
  next.keep.clear();
  feed(server, request_wire(4, small));
  answer_all();
  packet::output copied;
  server.take_output(copied);
  CHECK(copied.pieces.empty());
  CHECK(copied.keep.empty());
  bytes expected_small;
  packet::encode(packet::make_response(0, 4, true, 0, small), expected_small);
  CHECK(copied.owned == expected_small);
}

TEST_CASE("answers sent from the receive buffer survive a buffer that moves its tail",
          "[packet][connection]") {
  // Packets cut across reads: each read leaves a partial packet that input_space moves to
  // the front of a buffer. Every answer taken and held must keep its bytes.
  packet::connection server(viewing_server());
  bytes stream;
  std::vector<bytes> payloads;
  for (std::uint64_t i = 0; i < 40; ++i) {
    payloads.emplace_back(17000 + 311 * i, static_cast<std::byte>('a' + i % 26));
    append(stream, request_wire(2 + i, payloads.back()));
  }
  std::vector<packet::output> outputs;
  std::size_t at = 0;
  while (at < stream.size()) {
    REQUIRE(server.wants_input());  // a corrupted packet would end the input
    auto room = server.input_space(30000);
    const auto n = std::min<std::size_t>({room.size(), stream.size() - at, 30011});
    std::memcpy(room.data(), stream.data() + at, n);
    at += n;
    server.input_written(n);
    while (auto e = server.poll_event()) {
      if (e->kind == event_kind::request)
        server.respond(e->channel, e->tag, true, 0, e->payload_view);
    }
    outputs.emplace_back();
    server.take_output(outputs.back());
  }
  bytes all, expected;
  for (const auto& o : outputs)
    append(all, joined(o));
  for (std::uint64_t i = 0; i < payloads.size(); ++i)
    packet::encode(packet::make_response(0, 2 + i, true, 0, payloads[i]), expected);
  CHECK(all == expected);
}

TEST_CASE("a busy echo turns over the same few receive buffers", "[packet][connection]") {
  // As pktconn serve runs an echo of 64 KiB payloads into a pipe slower than its input:
  // 256 KiB reads that end inside a packet, every answer sent from the receive buffer, and
  // one write in flight while up to max_output_bytes of answers wait behind it, all holding
  // the buffers they lie in. A receive buffer made anew costs a mmap, a page fault per page
  // and a munmap; once the buffers have grown to size, the same ones must come round again.
  packet::connection server(viewing_server());
  const bytes payload(65536, std::byte{'e'});
  std::uint64_t next_tag = 2;
  bytes packet_bytes;
  std::size_t packet_at = 0;
  auto produce = [&](std::span<std::byte> room) {
    for (std::size_t n = 0; n < room.size();) {
      if (packet_at == packet_bytes.size()) {
        packet_bytes = request_wire(next_tag++, payload);
        packet_at = 0;
      }
      const auto take = std::min(room.size() - n, packet_bytes.size() - packet_at);
      std::memcpy(room.data() + n, packet_bytes.data() + packet_at, take);
      packet_at += take;
      n += take;
    }
  };
  constexpr std::size_t read_bytes = std::size_t{256} << 10;
  packet::output in_flight;
  std::uint64_t answered = 0;
  auto step = [&](int i) {
    if (server.wants_input()) {
      auto room = server.input_space(read_bytes);
      room = room.first(std::min(room.size(), read_bytes));
      produce(room);
      server.input_written(room.size());
      while (auto e = server.poll_event()) {
        REQUIRE(e->kind == event_kind::request);
        REQUIRE(e->payload_view.size() == payload.size());
        server.respond(e->channel, e->tag, true, 0, e->payload_view);
        ++answered;
      }
    }
    // The pipe takes a write every third turn, or when the queue stops the input.
    if (i % 3 == 0 || !server.wants_input()) {
      packet::output next;
      server.take_output(next);
      in_flight = std::move(next);  // the write before it has ended
    }
  };
  int i = 0;
  for (; i < 90; ++i)
    step(i);  // the buffers grow to their size
  const auto made = server.receive_buffers_made();
  for (; i < 600; ++i)
    step(i);
  CHECK(answered > 1000);
  CHECK(server.receive_buffers_made() == made);
}
