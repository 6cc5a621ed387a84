#include "wirekit/memo/pick.hpp"

#include <algorithm>

#include "wirekit/common/base64url.hpp"
#include "wirekit/common/cesr.hpp"

namespace wirekit::memo {

namespace {

bool is_base64url(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return base64url::sextet_value(c) >= 0; });
}

std::optional<std::uint32_t> read_number(byte_view part, form f) {
  if (f == form::binary) {
    std::uint32_t n = 0;
    for (const std::byte b : part)
      n = (n << 8) | std::to_integer<std::uint32_t>(b);
    return n;
  }
  const auto value = base64url::decode_int(as_chars(part));
  if (!value) return std::nullopt;
  return static_cast<std::uint32_t>(*value);  // 4 characters hold at most 24 bits
}

std::optional<std::string> read_mid(byte_view part, form f) {
  if (f == form::binary) return base64url::encode(part);
  const auto text = as_chars(part);
  if (!is_base64url(text)) return std::nullopt;
  return std::string(text);
}

// Decodes a VID part into its text and raw bytes; false when it is no B/D/E primitive.
bool read_vid(byte_view part, form f, gram_fields& g) {
  const std::string text = f == form::binary ? base64url::encode(part) : wirekit::to_string(part);
  if (text.empty()) return false;
  const auto* spec = cesr::vid_spec(text[0]);
  if (!spec) return false;
  const auto raw =
      f == form::binary ? cesr::decode_qb2(*spec, part) : cesr::decode_qb64(*spec, text);
  if (!raw || raw->size() != verkey_bytes) return false;
  verkey key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  g.vid = text;
  g.vid_raw = key;
  return true;
}

bool read_signature(byte_view part, form f, gram_fields& g) {
  const auto raw = f == form::binary ? cesr::decode_qb2(cesr::ed25519_signature, part)
                                     : cesr::decode_qb64(cesr::ed25519_signature, as_chars(part));
  if (!raw || raw->size() != signature_bytes) return false;
  signature sig{};
  std::copy(raw->begin(), raw->end(), sig.begin());
  g.sig = sig;
  return true;
}

std::size_t scaled(std::size_t chars, form f) {
  return f == form::binary ? binary_size(chars) : chars;
}

// 1aa: code | MID | count-or-number | [VID] | body | [sig]
// baa: code | count-or-number | MID | [VID] | body | [sig]
pick_result pick_coded(byte_view gram, detected d, bool authic) {
  pick_result r;
  auto& g = r.fields;
  g.dia = d.dia;
  g.frm = d.frm;
  const std::size_t code_len = scaled(code_chars, d.frm);
  if (gram.size() < code_len) {
    r.reason = drop_reason::truncated;
    return r;
  }
  const std::string code_text = d.frm == form::binary ? base64url::encode(gram.first(code_len))
                                                      : wirekit::to_string(gram.first(code_len));
  g.code = find_code(d.dia, code_text);
  if (!g.code) {
    r.reason = drop_reason::unknown_code;
    return r;
  }
  if (authic && !g.code->is_signed) {
    r.reason = drop_reason::unsigned_refused;
    return r;
  }
  const part_sizes s = sizes_of(*g.code);
  const std::size_t neck = scaled(s.neck, d.frm), mid = scaled(s.mid, d.frm),
                    vid = scaled(s.vid, d.frm), sig = scaled(s.signature, d.frm);
  if (gram.size() < code_len + neck + mid + vid + sig) {
    r.reason = drop_reason::truncated;
    return r;
  }
  const bool mid_first = d.dia == dialect::d1aa;
  const byte_view neck_part = gram.subspan(code_len + (mid_first ? mid : 0), neck);
  const byte_view mid_part = gram.subspan(code_len + (mid_first ? 0 : neck), mid);
  const auto n = read_number(neck_part, d.frm);
  if (!n) {
    r.reason = drop_reason::bad_number;
    return r;
  }
  auto m = read_mid(mid_part, d.frm);
  if (!m) {
    r.reason = drop_reason::bad_mid;
    return r;
  }
  g.mid = std::move(*m);
  const std::size_t header = code_len + neck + mid;
  if (vid != 0 && !read_vid(gram.subspan(header, vid), d.frm, g)) {
    r.reason = drop_reason::bad_vid;
    return r;
  }
  if (sig != 0 && !read_signature(gram.last(sig), d.frm, g)) {
    r.reason = drop_reason::bad_signature_encoding;
    return r;
  }
  if (g.code->kind == gram_kind::zeroth) {
    g.count = *n;
  } else {
    g.number = *n;
  }
  g.signed_part = gram.first(gram.size() - sig);
  g.body = gram.subspan(header + vid, gram.size() - sig - header - vid);
  return r;
}

// legacy: MID (its first two characters are the code) | [VID] | number | [count, zeroth
// only] | body | [sig]; every gram needs at least one body byte.
pick_result pick_legacy(byte_view gram, detected d, bool authic) {
  pick_result r;
  auto& g = r.fields;
  g.dia = d.dia;
  g.frm = d.frm;
  if (gram.size() < 2) {
    r.reason = drop_reason::truncated;
    return r;
  }
  const std::string code_text = d.frm == form::binary
                                    ? base64url::encode(gram.first(2)).substr(0, 2)
                                    : wirekit::to_string(gram.first(2));
  g.code = find_code(d.dia, code_text);
  if (!g.code) {
    r.reason = drop_reason::unknown_code;
    return r;
  }
  if (authic && !g.code->is_signed) {
    r.reason = drop_reason::unsigned_refused;
    return r;
  }
  const part_sizes s = sizes_of(*g.code);
  const std::size_t neck = scaled(s.neck, d.frm), mid = scaled(s.mid, d.frm),
                    vid = scaled(s.vid, d.frm), sig = scaled(s.signature, d.frm);
  const std::size_t head = mid + vid + neck + sig;
  if (gram.size() < head + 1) {
    r.reason = drop_reason::truncated;
    return r;
  }
  auto m = read_mid(gram.first(mid), d.frm);
  if (!m) {
    r.reason = drop_reason::bad_mid;
    return r;
  }
  g.mid = std::move(*m);
  const auto n = read_number(gram.subspan(mid + vid, neck), d.frm);
  if (!n) {
    r.reason = drop_reason::bad_number;
    return r;
  }
  std::size_t header = mid + vid + neck;
  if (*n == 0) {
    if (gram.size() < head + neck + 1) {
      r.reason = drop_reason::truncated;
      return r;
    }
    const auto c = read_number(gram.subspan(header, neck), d.frm);
    if (!c) {
      r.reason = drop_reason::bad_number;
      return r;
    }
    g.count = *c;
    header += neck;
  }
  if (vid != 0 && !read_vid(gram.subspan(mid, vid), d.frm, g)) {
    r.reason = drop_reason::bad_vid;
    return r;
  }
  if (sig != 0 && !read_signature(gram.last(sig), d.frm, g)) {
    r.reason = drop_reason::bad_signature_encoding;
    return r;
  }
  g.number = *n;
  g.signed_part = gram.first(gram.size() - sig);
  g.body = gram.subspan(header, gram.size() - sig - header);
  return r;
}

}  // namespace

pick_result pick(byte_view gram, bool authic) {
  if (gram.empty()) return {drop_reason::empty, {}};
  const auto d = detect(gram[0]);
  if (!d) return {drop_reason::unknown_form, {}};
  return d->dia == dialect::legacy ? pick_legacy(gram, *d, authic) : pick_coded(gram, *d, authic);
}

std::optional<verkey> own_verkey(const gram_fields& g) {
  if (g.vid_raw && !g.vid.empty() && g.vid[0] == 'B') return g.vid_raw;
  return std::nullopt;
}

}  // namespace wirekit::memo
