#include "wirekit/pktconn/codec_io.hpp"

#include <fmt/core.h>

#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"
#include "wirekit/packet/packet_json.hpp"

namespace wirekit::pktconn {

codec_io_result encode_stream(std::istream& in, std::ostream& out,
                              const codec_io_options& options) {
  codec_io_result r;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto j = nlohmann::ordered_json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      r.error = fmt::format("line {}: not JSON", number);
      return r;
    }
    if (options.dir && j.is_object() && j.contains("dir") && j["dir"] != *options.dir) continue;
    const auto e = packet::encode_json(j, options.max_packet_bytes);
    if (!e.wire) {
      r.error = fmt::format("line {}: {}", number, e.error);
      return r;
    }
    out.write(reinterpret_cast<const char*>(e.wire->data()),
              static_cast<std::streamsize>(e.wire->size()));
    ++r.packets;
  }
  out.flush();
  return r;
}

codec_io_result decode_stream(std::istream& in, std::ostream& out,
                              const codec_io_options& options) {
  codec_io_result r;
  bytes buf;
  std::size_t pos = 0;
  std::size_t offset = 0;  // stream offset of buf[0]
  std::array<char, 65536> chunk{};
  bool eof = false;
  while (true) {
    while (pos < buf.size()) {
      const auto d = packet::decode(byte_view(buf).subspan(pos), options.max_packet_bytes);
      if (d.status == packet::decode_status::need_more) break;
      if (d.status == packet::decode_status::bad) {
        r.error = fmt::format("malformed packet at byte {}: {}", offset + pos,
                              packet::to_string(d.error));
        return r;
      }
      auto j = packet::to_json(d.value);
      if (options.with_hex) j["hex"] = to_hex(byte_view(buf).subspan(pos, d.consumed));
      out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      pos += d.consumed;
      ++r.packets;
    }
    if (eof) break;
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pos));
    offset += pos;
    pos = 0;
    in.read(chunk.data(), chunk.size());
    const auto n = static_cast<std::size_t>(in.gcount());
    const auto* p = reinterpret_cast<const std::byte*>(chunk.data());
    buf.insert(buf.end(), p, p + n);
    if (n == 0 || !in) eof = true;
  }
  out.flush();
  if (pos < buf.size()) {
    r.error = fmt::format("input ends inside a packet at byte {} ({} bytes of it)", offset + pos,
                          buf.size() - pos);
  }
  return r;
}

}  // namespace wirekit::pktconn
