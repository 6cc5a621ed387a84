#include "wirekit/net/frame_reader.hpp"

#include <algorithm>
#include <charconv>

namespace wirekit::net {

namespace {
// A netstring length longer than this many digits cannot fit any sane frame limit.
constexpr std::size_t max_length_digits = 20;
}  // namespace

std::optional<frame_format> parse_frame_format(std::string_view name) {
  if (name == "line") return frame_format::line;
  if (name == "netstring") return frame_format::netstring;
  if (name == "json") return frame_format::json;
  if (name == "whole") return frame_format::whole;
  return std::nullopt;
}

std::string_view to_string(frame_format f) {
  switch (f) {
    case frame_format::line:
      return "line";
    case frame_format::netstring:
      return "netstring";
    case frame_format::json:
      return "json";
    case frame_format::whole:
      return "whole";
  }
  return "line";
}

void frame_reader::push(byte_view data) {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  append(buffer_, data);
}

void frame_reader::consume(std::size_t n) {
  start_ += n;
}

frame_status frame_reader::next(bytes* out) {
  switch (format_) {
    case frame_format::line:
    case frame_format::json:
      return next_line(out);
    case frame_format::netstring:
      return next_netstring(out);
    case frame_format::whole:
      if (buffer_.size() - start_ > max_frame_bytes_) return frame_status::too_large;
      if (!finished_ || whole_done_) return frame_status::need_more;
      whole_done_ = true;
      out->assign(buffer_.begin() + static_cast<std::ptrdiff_t>(start_), buffer_.end());
      consume(buffer_.size() - start_);
      return frame_status::frame;
  }
  return frame_status::malformed;
}

frame_status frame_reader::next_line(bytes* out) {
  const auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(start_);
  const auto newline = std::find(begin, buffer_.end(), std::byte{'\n'});
  if (newline == buffer_.end()) {
    const std::size_t pending = buffer_.size() - start_;
    if (pending > max_frame_bytes_) return frame_status::too_large;
    if (!finished_ || pending == 0) return frame_status::need_more;
    out->assign(begin, buffer_.end());
    consume(pending);
    return frame_status::frame;
  }
  auto end = newline;
  if (end != begin && *(end - 1) == std::byte{'\r'}) --end;
  if (static_cast<std::size_t>(end - begin) > max_frame_bytes_) return frame_status::too_large;
  out->assign(begin, end);
  consume(static_cast<std::size_t>(newline - begin) + 1);
  return frame_status::frame;
}

frame_status frame_reader::next_netstring(bytes* out) {
  const auto pending = byte_view(buffer_).subspan(start_);
  if (pending.empty()) return frame_status::need_more;
  const auto text = as_chars(pending);
  const auto colon = text.find(':');
  const std::size_t digits = colon == std::string_view::npos ? text.size() : colon;
  if (digits > max_length_digits) return frame_status::malformed;
  if (colon == std::string_view::npos) {
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return frame_status::malformed;
    }
    return finished_ ? frame_status::truncated : frame_status::need_more;
  }
  std::size_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + colon, length);
  if (colon == 0 || ec != std::errc{} || end != text.data() + colon) {
    return frame_status::malformed;
  }
  if (length > max_frame_bytes_) return frame_status::too_large;
  const std::size_t total = colon + 1 + length + 1;
  if (pending.size() < total) return finished_ ? frame_status::truncated : frame_status::need_more;
  if (pending[total - 1] != std::byte{','}) return frame_status::malformed;
  const auto body = pending.subspan(colon + 1, length);
  out->assign(body.begin(), body.end());
  consume(total);
  return frame_status::frame;
}

bytes netstring_encode(byte_view message) {
  bytes out = to_bytes(std::to_string(message.size()) + ":");
  append(out, message);
  out.push_back(std::byte{','});
  return out;
}

}  // namespace wirekit::net
