#include "wirekit/packet/demo_handlers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "wirekit/packet/reject.hpp"

namespace wirekit::packet {

namespace {

handler_result raised() {
  handler_result r;
  r.ok = false;
  r.payload = to_bytes(reject_text(reject_reason::handler_exception, 0, 0));
  return r;
}

// Python's float() for what time.sleep() accepts: a finite decimal number >= 0, with
// optional surrounding whitespace and digit-separating underscores.
std::optional<double> sleep_seconds(byte_view payload) {
  std::string text(as_chars(payload));
  const auto first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(" \t\n\r\f\v") - first + 1);
  std::string digits;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      const bool between = i > 0 && i + 1 < text.size() &&
                           std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                           std::isdigit(static_cast<unsigned char>(text[i + 1]));
      if (!between) return std::nullopt;
      continue;
    }
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-' ||
          c == 'e' || c == 'E'))
      return std::nullopt;  // also keeps out strtod's hex floats, inf and nan
    digits.push_back(c);
  }
  char* end = nullptr;
  const double v = std::strtod(digits.c_str(), &end);
  if (digits.empty() || end != digits.c_str() + digits.size()) return std::nullopt;
  if (!std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

}  // namespace

demo_answer demo_handle(std::uint64_t rq_type, std::uint64_t flags, byte_view payload) {
  demo_answer a;
  auto& r = a.result;
  switch (rq_type) {
    case 0:
      r.payload.assign(payload.begin(), payload.end());
      break;
    case 1:
      r.payload.assign(payload.begin(), payload.end());
      for (auto& b : r.payload) {
        const auto c = std::to_integer<unsigned char>(b);
        if (c >= 'a' && c <= 'z') b = std::byte(c - 'a' + 'A');
      }
      break;
    case 3:
      r.flags = payload.size();
      break;
    case 4:
      r.payload = to_bytes("len=" + std::to_string(payload.size()));
      break;
    case 5:
      r.flags = 0x11;
      r.payload.assign(payload.rbegin(), payload.rend());
      break;
    case 6: {
      const auto s = payload.empty() ? std::optional<double>(0.2) : sleep_seconds(payload);
      if (!s || *s > static_cast<double>(demo_max_sleep.count())) {
        a.result = raised();
        break;
      }
      a.delay = std::chrono::microseconds(static_cast<std::int64_t>(std::llround(*s * 1e6)));
      r.payload.assign(payload.begin(), payload.end());
      break;
    }
    case 7:
      break;
    case 8:
      r.flags = flags;
      r.payload.assign(payload.begin(), payload.end());
      break;
    default:
      a.result = raised();
      break;
  }
  return a;
}

}  // namespace wirekit::packet
