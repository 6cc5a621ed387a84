#include "wirekit/memo/ack.hpp"

#include <algorithm>

#include "wirekit/common/base64url.hpp"
#include "wirekit/common/cesr.hpp"

namespace wirekit::memo {

namespace {

void put3(bytes& out, std::uint32_t n) {
  out.push_back(static_cast<std::byte>((n >> 16) & 0xff));
  out.push_back(static_cast<std::byte>((n >> 8) & 0xff));
  out.push_back(static_cast<std::byte>(n & 0xff));
}

std::uint32_t get3(byte_view b) {
  return std::to_integer<std::uint32_t>(b[0]) << 16 | std::to_integer<std::uint32_t>(b[1]) << 8 |
         std::to_integer<std::uint32_t>(b[2]);
}

// qb64 text parts (code, MID, VID) as the form writes them.
std::optional<bytes> part(std::string_view text, form f) {
  if (f == form::text) return to_bytes(text);
  return base64url::decode(text);
}

}  // namespace

bool ack_info::holds(std::uint32_t number) const {
  if (complete || number < below) return true;
  const auto it = std::upper_bound(ranges.begin(), ranges.end(), number,
                                   [](std::uint32_t n, const auto& r) { return n < r.first; });
  return it != ranges.begin() && number <= std::prev(it)->second;
}

std::string_view to_string(ack_body_error e) {
  switch (e) {
    case ack_body_error::empty:
      return "empty";
    case ack_body_error::ragged:
      return "ragged";
    case ack_body_error::too_many:
      return "too_many";
    case ack_body_error::inverted:
      return "inverted";
    case ack_body_error::out_of_order:
      return "out_of_order";
  }
  return "?";
}

bytes encode_ack_body(const ack_info& info) {
  bytes out;
  const std::size_t n = std::min(info.ranges.size(), max_ack_ranges);
  out.reserve(1 + n * ack_range_bytes);
  out.push_back(static_cast<std::byte>(info.complete ? ack_flag_complete : 0));
  for (std::size_t i = 0; i < n; ++i) {
    put3(out, info.ranges[i].first);
    put3(out, info.ranges[i].second);
  }
  return out;
}

ack_body_result decode_ack_body(byte_view body, std::uint32_t neck) {
  ack_body_result r;
  if (body.empty()) {
    r.error = ack_body_error::empty;
    return r;
  }
  const std::size_t rest = body.size() - 1;
  if (rest % ack_range_bytes != 0) {
    r.error = ack_body_error::ragged;
    return r;
  }
  if (rest / ack_range_bytes > max_ack_ranges) {
    r.error = ack_body_error::too_many;
    return r;
  }
  r.info.below = neck;
  r.info.complete = (std::to_integer<unsigned>(body[0]) & ack_flag_complete) != 0;
  // Gram `neck` itself is missing (or the memo is complete), so ranges start above it.
  std::uint64_t min_start = std::uint64_t{neck} + 1;
  for (std::size_t at = 1; at < body.size(); at += ack_range_bytes) {
    const std::uint32_t first = get3(body.subspan(at, 3));
    const std::uint32_t last = get3(body.subspan(at + 3, 3));
    if (last < first) {
      r.error = ack_body_error::inverted;
      return r;
    }
    if (first < min_start) {
      r.error = ack_body_error::out_of_order;
      return r;
    }
    min_start = std::uint64_t{last} + 1;
    r.info.ranges.emplace_back(first, last);
  }
  return r;
}

ack_info ack_from_numbers(const std::vector<std::uint32_t>& numbers) {
  ack_info a;
  std::size_t i = 0;
  while (i < numbers.size() && numbers[i] == a.below) {
    ++a.below;
    ++i;
  }
  while (i < numbers.size() && a.ranges.size() < max_ack_ranges) {
    if (numbers[i] < a.below ||
        (!a.ranges.empty() && numbers[i] <= a.ranges.back().second)) {  // not ascending: skip
      ++i;
      continue;
    }
    if (!a.ranges.empty() && numbers[i] == a.ranges.back().second + 1)
      ++a.ranges.back().second;
    else
      a.ranges.emplace_back(numbers[i], numbers[i]);
    ++i;
  }
  return a;
}

ack_info ack_complete(std::uint32_t count) {
  ack_info a;
  a.below = count;
  a.complete = true;
  return a;
}

bytes rend_ack(const ack_target& to, const ack_info& info, const signing_key* signer,
               std::string_view vid) {
  if (to.dia == dialect::legacy) return {};
  const code_info* code = nullptr;
  for (const auto& c : all_codes())
    if (c.dia == to.dia && c.kind == gram_kind::ack && c.is_signed == (signer != nullptr))
      code = &c;
  const auto code_part = part(code->text, to.frm);
  const auto mid_part = to.mid.size() == mid_chars ? part(to.mid, to.frm) : std::nullopt;
  if (!mid_part) return {};
  std::optional<bytes> vid_part;
  if (signer) {
    vid_part = vid.size() == vid_chars ? part(vid, to.frm) : std::nullopt;
    if (!vid_part) return {};
  }
  const std::uint32_t below = std::min(info.below, max_ack_number);
  bytes neck;
  if (to.frm == form::text) {
    neck = to_bytes(base64url::encode_int(below, neck_chars));
  } else {
    put3(neck, below);
  }
  bytes gram = *code_part;
  if (to.dia == dialect::d1aa) {
    append(gram, *mid_part);
    append(gram, neck);
  } else {
    append(gram, neck);
    append(gram, *mid_part);
  }
  if (vid_part) append(gram, *vid_part);
  append(gram, encode_ack_body(info));
  if (signer) {
    const signature sig = signer->sign(gram);
    if (to.frm == form::text)
      append(gram, to_bytes(cesr::encode_qb64(cesr::ed25519_signature, sig)));
    else
      append(gram, cesr::encode_qb2(cesr::ed25519_signature, sig));
  }
  return gram;
}

}  // namespace wirekit::memo
