// Framing of user data on stdio: how a tool cuts its input stream into messages.
//   line       one message per line, the newline removed ("\r\n" too)
//   netstring  "LEN:BYTES," (djb's netstrings), binary-safe
//   json       one JSON document per line (the caller parses it)
//   whole      the entire input is one message
// Incremental and bounded: bytes are pushed as they arrive, frames pulled when complete.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "wirekit/common/bytes.hpp"

namespace wirekit::net {

enum class frame_format { line, netstring, json, whole };

std::optional<frame_format> parse_frame_format(std::string_view name);
std::string_view to_string(frame_format f);

enum class frame_status {
  frame,      // *out holds the next message
  need_more,  // push more input (or finish() at end of input)
  too_large,  // a message exceeds max_frame_bytes: the stream cannot be resynchronised
  malformed,  // a netstring without its length, ':' or ','
  truncated,  // end of input inside a message (netstring)
};

class frame_reader {
 public:
  frame_reader(frame_format format, std::size_t max_frame_bytes)
      : format_(format), max_frame_bytes_(max_frame_bytes) {}

  void push(byte_view data);
  // Marks the end of input; the last line may lack its newline, whole yields its message.
  void finish() { finished_ = true; }

  frame_status next(bytes* out);

 private:
  frame_status next_line(bytes* out);
  frame_status next_netstring(bytes* out);
  void consume(std::size_t n);

  frame_format format_;
  std::size_t max_frame_bytes_;
  bytes buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_, compacted lazily
  bool finished_ = false;
  bool whole_done_ = false;
};

// "LEN:BYTES,"
bytes netstring_encode(byte_view message);

}  // namespace wirekit::net
