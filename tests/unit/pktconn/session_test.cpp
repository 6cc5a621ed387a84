// pktconn::session against a scripted stream: the test decides when each read brings bytes
// and when each write ends, so the engine's pauses happen exactly where a slow peer would
// cause them.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "wirekit/packet/codec.hpp"
#include "wirekit/pktconn/session.hpp"

using namespace wirekit;

namespace {

struct script_state {
  asio::mutable_buffer read_buf;
  net::io_handler read_done;
  net::io_handler write_done;
  bytes written;
};

class scripted_stream final : public net::byte_stream {
 public:
  explicit scripted_stream(std::shared_ptr<script_state> s) : s_(std::move(s)) {}
  void async_read_some(asio::mutable_buffer buf, net::io_handler h) override {
    s_->read_buf = buf;
    s_->read_done = std::move(h);
  }
  void async_write(asio::const_buffer buf, net::io_handler h) override {
    const auto* p = static_cast<const std::byte*>(buf.data());
    s_->written.insert(s_->written.end(), p, p + buf.size());
    s_->write_done = std::move(h);
  }
  void async_write_gather(net::const_buffers bufs, net::io_handler h) override {
    for (const auto& b : bufs) {
      const auto* p = static_cast<const std::byte*>(b.data());
      s_->written.insert(s_->written.end(), p, p + b.size());
    }
    s_->write_done = std::move(h);
  }
  void async_shutdown_write(net::done_handler h) override { h({}); }
  // As a real close cancels them: the pending handlers hold the session.
  void close() override {
    s_->read_done = nullptr;
    s_->write_done = nullptr;
  }
  std::string describe() const override { return "scripted"; }

 private:
  std::shared_ptr<script_state> s_;
};

// 30 bytes: two answers fill the 64 bytes of output allowed below.
std::string payload_of(std::uint64_t tag) {
  auto text = "payload-" + std::to_string(tag);
  text.resize(30, '.');
  return text;
}

bytes requests(std::uint64_t first, std::uint64_t last) {
  bytes wire;
  for (auto tag = first; tag <= last; ++tag) {
    const auto text = payload_of(tag);
    const byte_view payload(reinterpret_cast<const std::byte*>(text.data()), text.size());
    REQUIRE(packet::encode(packet::make_request(0, tag, 0, 0, payload), wire) ==
            packet::encode_status::ok);
  }
  return wire;
}

void settle(asio::io_context& io) {
  io.restart();
  io.poll();
}

}  // namespace

TEST_CASE("events parsed when a write ends are answered before the next read may overwrite them",
          "[pktconn][session]") {
  asio::io_context io;
  auto st = std::make_shared<script_state>();
  packet::connection_config config;
  config.copy_payloads = false;         // as pktconn serve: events carry views into the buffer
  config.limits.max_events = 4;         // a read's packets are parsed four at a time
  config.limits.max_output_bytes = 64;  // a few answers waiting to be written pause parsing
  auto s =
      std::make_shared<pktconn::session>(io, std::make_unique<scripted_stream>(st), config, false);
  s->start(
      [&](packet::event& e) {
        if (e.kind == packet::event_kind::request)
          s->engine().respond(e.channel, e.tag, true, 0, e.payload_view);  // echo
      },
      [] {});
  settle(io);

  const auto deliver = [&](const bytes& wire) {
    REQUIRE(st->read_done);
    REQUIRE(st->read_buf.size() >= wire.size());
    std::memcpy(st->read_buf.data(), wire.data(), wire.size());
    auto done = std::move(st->read_done);
    st->read_done = nullptr;
    asio::post(io, [done, n = wire.size()] { done({}, n); });
    settle(io);
  };
  const auto end_write = [&] {
    REQUIRE(st->write_done);
    auto done = std::move(st->write_done);
    st->write_done = nullptr;
    asio::post(io, [done] { done({}, 0); });
    settle(io);
  };

  // The first answer's write stays in flight while six more requests come: four are parsed
  // and answered, which pauses parsing with two left in the buffer.
  deliver(requests(2, 2));
  REQUIRE(st->write_done);
  deliver(requests(3, 8));
  // The write ends: taking the waiting answers lets the last two be parsed. A read started
  // before they are answered would land on their bytes.
  end_write();
  if (st->read_done) deliver(requests(9, 14));
  for (int i = 0; i < 10 && st->write_done; ++i)
    end_write();

  // Every answer carries its own request's payload.
  std::vector<std::uint64_t> answered;
  byte_view rest(st->written);
  while (!rest.empty()) {
    const auto d = packet::decode(rest);
    REQUIRE(d.status == packet::decode_status::complete);
    rest = rest.subspan(d.consumed);
    if (d.value.is_control()) continue;
    const auto text = payload_of(d.value.tag);
    INFO("tag " << d.value.tag);
    CHECK(std::string(reinterpret_cast<const char*>(d.value.payload.data()),
                      d.value.payload.size()) == text);
    answered.push_back(d.value.tag);
  }
  CHECK(answered.size() >= 7);
  s->abort();
}
