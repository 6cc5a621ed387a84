// The streaming CBOR decoder on arbitrary bytes, fed in two pieces; every item it accepts
// must re-encode and decode to the same value, and its JSON form must map back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wirekit/moat/cbor_decoder.hpp"
#include "wirekit/moat/cbor_encode.hpp"
#include "wirekit/moat/json_mapping.hpp"

using namespace wirekit;
using namespace wirekit::moat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view in(reinterpret_cast<const std::byte*>(data), size);
  for (const bool lenient : {false, true}) {
    decoder_limits limits;
    limits.max_item_bytes = 1 << 16;
    limits.reference_rejects = !lenient;
    cbor_decoder d(limits);
    const std::size_t half = size / 2;
    d.feed(in.first(half));
    bool fed_all = false;
    for (;;) {
      value v;
      const auto r = d.next(v);
      if (r.status == decode_status::need_more) {
        if (fed_all) break;
        d.feed(in.subspan(half));
        fed_all = true;
        continue;
      }
      if (r.status == decode_status::bad) {
        if (r.consumed == 0) break;
        continue;
      }
      const bytes again = encode(v);
      value back;
      if (decode_one(again, back, limits).status != decode_status::complete || !(back == v))
        std::abort();
      const auto mapped = from_json(to_json(v));
      if (!mapped || !(*mapped == v)) std::abort();
    }
  }
  return 0;
}
