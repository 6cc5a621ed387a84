// `pktconn encode` / `pktconn decode`: JSON lines ⇄ a binary packet stream, for building
// and reading captures.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace wirekit::pktconn {

struct codec_io_options {
  std::size_t max_packet_bytes = std::size_t{16} << 20;
  std::optional<std::string> dir;  // encode: only lines whose "dir" is this (or without "dir")
  bool with_hex = false;           // decode: add "hex", the packet's wire bytes
};

struct codec_io_result {
  std::size_t packets = 0;
  std::string error;  // empty: all input was read
};

codec_io_result encode_stream(std::istream& in, std::ostream& out, const codec_io_options& options);
codec_io_result decode_stream(std::istream& in, std::ostream& out, const codec_io_options& options);

}  // namespace wirekit::pktconn
