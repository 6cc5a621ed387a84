// pick + fuse through the receiver engine. The input is read two ways: as one gram, and as
// a sequence of grams, each behind a 2-byte big-endian length (the corpus files made from
// the vectors use this form, so whole memos get reassembled). The clock advances one
// second per gram and the limits are small, so eviction paths run too.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "wirekit/memo/receiver.hpp"

using namespace wirekit;
using namespace wirekit::memo;

namespace {

const trust_store& fuzz_trust() {
  static const trust_store trust = [] {
    trust_store t;
    // hio's test D key (spec §9, V6): DGORBFFJ… -> BGORBFFJ…
    verkey k{};
    const unsigned char raw[] = {0x63, 0x91, 0x04, 0x51, 0x49, 0x7b, 0x96, 0x63, 0xe1, 0x3d, 0x45,
                                 0x40, 0x7a, 0x51, 0x15, 0x27, 0xb8, 0xd6, 0x14, 0x2e, 0xab, 0xc1,
                                 0xd4, 0x2c, 0x03, 0x16, 0xc9, 0xcf, 0x42, 0xd3, 0xb9, 0xe2};
    for (std::size_t i = 0; i < k.size(); ++i)
      k[i] = std::byte{raw[i]};
    t.add("DGORBFFJe5Zj4T1FQHpRFSe41hQuq8HULAMWyc9C07ni", k);
    return t;
  }();
  return trust;
}

void drain(receiver& rx) {
  while (rx.poll_memo()) {
  }
  while (rx.poll_event()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(reinterpret_cast<const std::byte*>(data), size);
  reassembly_limits limits;
  limits.max_pending_memos = 4;
  limits.max_pending_bytes = 1 << 16;
  limits.max_age = std::chrono::seconds(30);
  limits.max_held_grams = 4;
  limits.remembered_memos = 4;

  receiver single({false, &fuzz_trust(), limits});
  single.on_gram(input, "fuzz", clock::time_point{});
  drain(single);

  for (const bool authic : {false, true}) {
    receiver rx({authic, &fuzz_trust(), limits});
    clock::time_point now{};
    std::size_t pos = 0;
    while (pos + 2 <= input.size()) {
      const std::size_t len = std::to_integer<std::size_t>(input[pos]) << 8 |
                              std::to_integer<std::size_t>(input[pos + 1]);
      pos += 2;
      const std::size_t take = len < input.size() - pos ? len : input.size() - pos;
      rx.on_gram(input.subspan(pos, take), "fuzz", now);
      pos += take;
      now += std::chrono::seconds(1);
      drain(rx);
    }
    rx.on_tick(now + std::chrono::hours(1));
    drain(rx);
    if (rx.table().pending_memos() != 0) __builtin_trap();  // everything ages out
  }
  return 0;
}
