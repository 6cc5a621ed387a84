// `moatcmd decode` and `moatcmd encode`: a CBOR item stream ⇄ JSON lines, no network.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "wirekit/cli/exit_code.hpp"
#include "wirekit/moat/cbor_decoder.hpp"

namespace wirekit::moatcmd {

struct codec_options {
  bool hex = false;    // decode: input is hex text; encode: write one hex line per item
  bool table = false;  // decode: one S/E/D/Data row per message
  moat::decoder_limits limits;
};

// Reads CBOR items from in until EOF; writes one JSON line (or table row) per item to out
// and a one-line reason per problem to err. failed when anything was skipped or broken.
cli::exit_code decode_stream(std::istream& in, std::ostream& out, std::ostream& err,
                             const codec_options& options);

// Reads JSON lines (blank lines skipped); writes each as one CBOR item.
cli::exit_code encode_stream(std::istream& in, std::ostream& out, std::ostream& err,
                             const codec_options& options);

// The table row for one message: "| S | E | D | Data |" with S and E as "x" or " ",
// D ">" (sent by the conversation's originator) or "<" (by the responder), and Data the
// wire id and the payload in JSON.
std::string table_row(const moat::value& item);
std::string_view table_header();

}  // namespace wirekit::moatcmd
