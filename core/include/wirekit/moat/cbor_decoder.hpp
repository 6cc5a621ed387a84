// Streaming CBOR decoder for items back to back (MoaT-Cmd has no framing): feed bytes as
// they arrive, take complete items out. Built on libcbor's cbor_stream_decode callbacks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "wirekit/common/bytes.hpp"
#include "wirekit/moat/value.hpp"

namespace wirekit::moat {

enum class decode_status { complete, need_more, bad };

enum class decode_error {
  none,
  malformed,     // not CBOR (reserved bytes, stray break, bad chunk): the stream is lost
  too_large,     // the item would exceed max_item_bytes: the stream is lost
  too_deep,      // nesting beyond max_depth: the stream is lost
  invalid_utf8,  // a text string that is not UTF-8: this item is skipped
  unsupported,   // well-formed, but 0.3.3 rejects it (see limits): this item is skipped
};

std::string_view to_string(decode_error e);

// Every limit has a default and is a flag in the tools.
struct decoder_limits {
  std::size_t max_item_bytes = 1 << 20;
  std::size_t max_depth = 64;
  // Reject what moat-util 0.54's decoder (used by moat-lib-cmd 0.3.3) cannot read:
  // indefinite-length maps, tag 1, simple values other than false/true/null/undefined.
  // Off: decode them (simple values as kind::simple, tag 1 kept as a tag).
  bool reference_rejects = true;
};

struct decode_result {
  decode_status status = decode_status::need_more;
  // complete: the item's length; bad and skippable: the bytes of the skipped item; else 0.
  std::size_t consumed = 0;
  decode_error error = decode_error::none;
};

class cbor_decoder {
 public:
  explicit cbor_decoder(decoder_limits limits = {});
  ~cbor_decoder();
  cbor_decoder(const cbor_decoder&) = delete;
  cbor_decoder& operator=(const cbor_decoder&) = delete;

  // Appends bytes; they are parsed by next().
  void feed(byte_view data);
  // The next complete item into out. After a bad result with consumed > 0 the decoder has
  // skipped that item and goes on; after a bad result with consumed == 0 it is failed() and
  // every later call returns the same error.
  decode_result next(value& out);

  // Bytes fed but not yet returned as items (the start of an incomplete item).
  std::size_t buffered() const;
  bool failed() const;

  struct state;

 private:
  decoder_limits limits_;
  std::unique_ptr<state> state_;
};

// Decodes the first item of data alone (a fresh decoder).
decode_result decode_one(byte_view data, value& out, decoder_limits limits = {});

// Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF), as Python decodes it.
bool valid_utf8(std::string_view s);

}  // namespace wirekit::moat
