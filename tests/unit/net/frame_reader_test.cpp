#include <catch2/catch.hpp>

#include "wirekit/net/frame_reader.hpp"

using namespace wirekit;
using namespace wirekit::net;

namespace {

// Feeds input one byte at a time (the hardest split), then finishes; collects frames
// until the reader stops giving them.
std::pair<std::vector<std::string>, frame_status> read_all(frame_format f, std::string_view input,
                                                           std::size_t max = 1024) {
  frame_reader r(f, max);
  std::vector<std::string> frames;
  bytes out;
  frame_status s = frame_status::need_more;
  const auto drain = [&] {
    while ((s = r.next(&out)) == frame_status::frame)
      frames.push_back(to_string(out));
  };
  for (const char c : input) {
    r.push(as_bytes(std::string_view(&c, 1)));
    drain();
    if (s != frame_status::need_more) return {frames, s};
  }
  r.finish();
  drain();
  return {frames, s};
}

}  // namespace

TEST_CASE("line frames split on newlines and keep a last unterminated line", "[net][framing]") {
  const auto [frames, status] = read_all(frame_format::line, "a\r\nbb\n\nccc");
  CHECK(frames == std::vector<std::string>{"a", "bb", "", "ccc"});
  CHECK(status == frame_status::need_more);
}

TEST_CASE("netstring frames are binary-safe", "[net][framing]") {
  const std::string input = std::string("3:a\nb,0:,5:") + std::string("\0\1,:x", 5) + ",";
  const auto [frames, status] = read_all(frame_format::netstring, input);
  CHECK(frames == std::vector<std::string>{"a\nb", "", std::string("\0\1,:x", 5)});
  CHECK(status == frame_status::need_more);
  CHECK(to_string(netstring_encode(as_bytes("hello"))) == "5:hello,");
}

TEST_CASE("netstring errors are reported, not guessed around", "[net][framing]") {
  CHECK(read_all(frame_format::netstring, "3:abc;").second == frame_status::malformed);
  CHECK(read_all(frame_format::netstring, "x:abc,").second == frame_status::malformed);
  CHECK(read_all(frame_format::netstring, ":abc,").second == frame_status::malformed);
  CHECK(read_all(frame_format::netstring, "5:abc").second == frame_status::truncated);
  CHECK(read_all(frame_format::netstring, "12").second == frame_status::truncated);
  CHECK(read_all(frame_format::netstring, "99999:").second == frame_status::too_large);
}

TEST_CASE("whole input is one frame, bounded", "[net][framing]") {
  auto [frames, status] = read_all(frame_format::whole, "a\nb\n");
  CHECK(frames == std::vector<std::string>{"a\nb\n"});
  CHECK(read_all(frame_format::whole, "0123456789", 5).second == frame_status::too_large);
  CHECK(read_all(frame_format::line, "0123456789\n", 5).second == frame_status::too_large);
}

TEST_CASE("frame formats parse by name", "[net][framing]") {
  CHECK(parse_frame_format("netstring") == frame_format::netstring);
  CHECK_FALSE(parse_frame_format("xml").has_value());
  CHECK(to_string(frame_format::json) == "json");
}
