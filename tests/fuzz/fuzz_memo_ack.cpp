// Acks as a sure sender gets them: the input is one datagram for sure_sender::on_ack (two
// memos in flight, one signed, whose MIDs the corpus uses), and also, after a 3-byte neck,
// an ack body for decode_ack_body, whose accepted bodies must encode back to themselves.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "wirekit/memo/ack.hpp"
#include "wirekit/memo/sure_sender.hpp"

using namespace wirekit;
using namespace wirekit::memo;

namespace {

bytes fake_grams_text(std::string_view code, std::string_view mid) {
  std::string g(code);
  g += mid;
  g += "AAAB";
  g += "body";
  return to_bytes(g);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(reinterpret_cast<const std::byte*>(data), size);
  if (size >= 3) {
    const std::uint32_t neck = std::to_integer<std::uint32_t>(input[0]) << 16 |
                               std::to_integer<std::uint32_t>(input[1]) << 8 |
                               std::to_integer<std::uint32_t>(input[2]);
    const auto body = input.subspan(3);
    const auto r = decode_ack_body(body, neck);
    if (!r.error) {
      bytes again = encode_ack_body(r.info);
      // Unknown flag bits are not kept; everything else is.
      if (again.size() != body.size()) __builtin_trap();
      for (std::size_t i = 1; i < body.size(); ++i)
        if (again[i] != body[i]) __builtin_trap();
      for (const auto& [first, last] : r.info.ranges)
        if (!r.info.holds(first) || !r.info.holds(last)) __builtin_trap();
    }
  }
  sure_config config;
  config.retries = 2;
  sure_sender tx(config);
  const clock::time_point t0{};
  std::vector<bytes> plain(40, fake_grams_text("1AAV", "0AAAAAAAAAAAAAAAAAAAAAAB"));
  std::vector<bytes> signed_grams(3, fake_grams_text("1AAX", "0AAAAAAAAAAAAAAAAAAAAAAC"));
  tx.add("0AAAAAAAAAAAAAAAAAAAAAAB", "peer", plain, false, t0);
  tx.add("0AAAAAAAAAAAAAAAAAAAAAAC", "peer", signed_grams, true, t0);
  while (tx.next(t0)) {
  }
  tx.on_ack(input, "peer", t0 + std::chrono::milliseconds(1));
  tx.on_ack(input, "other", t0 + std::chrono::milliseconds(2));
  while (tx.next(t0)) {
  }
  // Each memo ends after its tail-loss probes and retries + 1 timeouts; grams sent at other
  // times (probes, resends) may time out on ticks of their own, without counting as retries.
  for (int i = 0; i < 32 && !tx.idle(); ++i) {
    const auto when = tx.next_deadline();
    if (!when) __builtin_trap();  // memos in flight always have a timer
    tx.on_tick(*when);
    while (tx.next(*when)) {
    }
  }
  if (!tx.idle()) __builtin_trap();  // retries run out: every memo ends
  while (tx.poll_outcome()) {
  }
  return 0;
}
