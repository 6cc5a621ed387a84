#include "wirekit/moatcmd/codec.hpp"

#include <fmt/core.h>

#include <array>
#include <istream>
#include <ostream>
#include <string>

#include "wirekit/common/hex.hpp"
#include "wirekit/moat/cbor_encode.hpp"
#include "wirekit/moat/json_mapping.hpp"
#include "wirekit/moat/message.hpp"

namespace wirekit::moatcmd {

namespace {

inline constexpr std::size_t read_chunk_bytes = 64 * 1024;

// Hex text without whitespace, in chunks; nullopt on a non-hex character.
std::optional<bytes> unhex_chunk(std::string& carry, std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    carry.push_back(c);
  }
  const std::size_t even = carry.size() & ~std::size_t{1};
  auto b = from_hex(std::string_view(carry).substr(0, even));
  carry.erase(0, even);
  return b;
}

}  // namespace

std::string_view table_header() {
  return "| S | E | D | Data |\n|---|---|---|------|";
}

std::string table_row(const moat::value& item) {
  using namespace moat;
  const auto h =
      item.is_array() && !item.items().empty() ? decode_header(item.items().front()) : std::nullopt;
  if (!h) return fmt::format("|   |   | ? | {} |", to_json(item).dump());
  json rest = json::array();
  for (std::size_t i = 1; i < item.items().size(); ++i)
    rest.push_back(to_json(item.items()[i]));
  return fmt::format("| {} | {} | {} | {} {} |", h->stream() ? "x" : " ", h->error() ? "x" : " ",
                     h->originator ? ">" : "<", h->wid, rest.dump());
}

cli::exit_code decode_stream(std::istream& in, std::ostream& out, std::ostream& err,
                             const codec_options& options) {
  moat::cbor_decoder decoder(options.limits);
  bool trouble = false;
  std::uint64_t offset = 0;  // of the next item in the input
  std::string carry;
  std::array<char, read_chunk_bytes> buf{};
  if (options.table) out << table_header() << '\n';
  bool eof = false;
  while (!eof) {
    in.read(buf.data(), buf.size());
    const auto n = static_cast<std::size_t>(in.gcount());
    eof = n == 0;
    if (options.hex) {
      auto b = unhex_chunk(carry, std::string_view(buf.data(), n));
      if (!b) {
        err << "moatcmd: input is not hex\n";
        return cli::exit_code::failed;
      }
      decoder.feed(*b);
    } else {
      decoder.feed(byte_view(reinterpret_cast<const std::byte*>(buf.data()), n));
    }
    // Lines of one input chunk go out in one write (and before any message about the input).
    std::string text;
    auto flush_text = [&] {
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
      text.clear();
    };
    for (;;) {
      moat::value v;
      const auto r = decoder.next(v);
      if (r.status == moat::decode_status::need_more) break;
      if (r.status == moat::decode_status::bad) {
        flush_text();
        err << fmt::format("moatcmd: item at byte {}: {}{}\n", offset, moat::to_string(r.error),
                           r.consumed ? " (skipped)" : "; cannot go on");
        trouble = true;
        if (r.consumed == 0) return cli::exit_code::failed;
        offset += r.consumed;
        continue;
      }
      offset += r.consumed;
      if (options.table)
        text += table_row(v);
      else
        moat::append_json(text, v);
      text.push_back('\n');
    }
    flush_text();
  }
  if (decoder.buffered() > 0) {
    err << fmt::format("moatcmd: input ends inside an item ({} bytes at byte {})\n",
                       decoder.buffered(), offset);
    trouble = true;
  }
  out.flush();
  return trouble ? cli::exit_code::failed : cli::exit_code::ok;
}

cli::exit_code encode_stream(std::istream& in, std::ostream& out, std::ostream& err,
                             const codec_options& options) {
  std::string line;
  std::uint64_t number = 0;
  bool trouble = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    moat::json j = moat::json::parse(line, nullptr, false);
    std::string why = "not JSON";
    std::optional<moat::value> v;
    if (!j.is_discarded()) v = moat::from_json(j, &why);
    if (!v) {
      err << fmt::format("moatcmd: line {}: {}\n", number, why);
      trouble = true;
      continue;
    }
    const bytes b = moat::encode(*v);
    if (options.hex)
      out << to_hex(b) << '\n';
    else
      out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  out.flush();
  return trouble ? cli::exit_code::failed : cli::exit_code::ok;
}

}  // namespace wirekit::moatcmd
