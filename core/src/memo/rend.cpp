#include "wirekit/memo/rend.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/core.h>

#include "wirekit/common/base64url.hpp"
#include "wirekit/common/cesr.hpp"

namespace wirekit::memo {

namespace {

std::size_t total(const part_sizes& s) {
  return s.code + s.neck + s.mid + s.vid + s.signature;
}

std::size_t scaled(std::size_t chars, form f) {
  return f == form::binary ? binary_size(chars) : chars;
}

// What a form writes for the qb64 parts (code, MID, VID) and for numbers and signatures.
struct encoder {
  form frm;

  bytes qb64_part(std::string_view text) const {
    if (frm == form::text) return to_bytes(text);
    return *base64url::decode(text);  // callers pass 24-bit aligned qb64 only
  }
  bytes number(std::uint64_t n, std::size_t text_chars) const {
    if (frm == form::text) return to_bytes(base64url::encode_int(n, text_chars));
    bytes out(binary_size(text_chars));
    for (std::size_t i = out.size(); i-- > 0; n >>= 8)
      out[i] = static_cast<std::byte>(n & 0xff);
    return out;
  }
  bytes sig(const signature& raw) const {
    if (frm == form::text) return to_bytes(cesr::encode_qb64(cesr::ed25519_signature, raw));
    return cesr::encode_qb2(cesr::ed25519_signature, raw);
  }
};

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

bool usable_vid(std::string_view vid) {
  if (vid.size() != vid_chars || (vid[0] != 'B' && vid[0] != 'D' && vid[0] != 'E')) return false;
  const auto raw = base64url::decode(vid);
  return raw && raw->size() == binary_size(vid_chars) &&
         (std::to_integer<unsigned>((*raw)[0]) & 0x03) == 0;
}

rend_result refuse(rend_status status, std::string message) {
  rend_result r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

// Ends gram k with its body (copied in, or left in the memo) and its signature.
void add_body(rend_result& r, bytes& gram, byte_view body, const encoder& enc,
              const rend_config& config, bool is_signed) {
  if (config.bodies_in_memo && !is_signed) {
    r.bodies.push_back(body);
  } else {
    append(gram, body);
    if (is_signed) append(gram, enc.sig(config.signer->sign(gram)));
  }
  r.grams.push_back(std::move(gram));
}

rend_result rend_coded(byte_view memo, const rend_config& config, const mid_raw& mid) {
  const bool is_signed = config.signer != nullptr;
  const code_info& zcode = *zeroth_code(config.dia, is_signed, config.sure);
  const code_info& ncode = later_code(zcode);
  const std::size_t zoz = scaled(total(sizes_of(zcode)), config.frm);
  // hio's quirk, kept for byte-identical grams: the body room of later grams is computed
  // from the text overhead even in binary form, so binary later grams come out shorter.
  const auto noz = static_cast<std::int64_t>(total(sizes_of(ncode)));
  const std::size_t size = effective_size(config);
  const std::uint64_t zbz = size - zoz;
  const std::int64_t nbz = static_cast<std::int64_t>(size) - noz;
  const std::uint64_t ml = memo.size();

  rend_result r;
  if (ml == 0) return r;
  std::uint64_t gc = 1;
  if (ml > zbz) {
    if (nbz <= 0) {
      return refuse(rend_status::size_too_small,
                    fmt::format("gram size {} leaves no room for the body of later {} grams "
                                "(at least {} needed for a memo of {} bytes)",
                                size, to_string(config.frm), noz + 1, ml));
    }
    gc = 1 + ceil_div(ml - zbz, static_cast<std::uint64_t>(nbz));
  }
  const std::uint64_t room =
      nbz > 0 ? static_cast<std::uint64_t>(nbz) * (max_gram_count - 1) + zbz : zbz;
  const std::uint64_t mms = std::min(max_memo_bytes, room);
  if (ml > mms) {
    return refuse(rend_status::memo_too_large,
                  fmt::format("memo of {} bytes exceeds the {} bytes that grams of size {} "
                              "can carry",
                              ml, mms, size));
  }

  const encoder enc{config.frm};
  const bytes mid_part = enc.qb64_part(mid_text("0A", mid));
  const bytes vid_part = is_signed ? enc.qb64_part(config.vid) : bytes{};
  const bool mid_first = config.dia == dialect::d1aa;
  r.grams.reserve(gc);
  std::uint64_t offset = 0;
  for (std::uint64_t k = 0; offset < ml; ++k) {
    const code_info& code = k == 0 ? zcode : ncode;
    bytes gram;
    // One allocation per gram; the body is copied once, if at all.
    gram.reserve(config.bodies_in_memo && !is_signed ? std::max(zoz, static_cast<std::size_t>(noz))
                                                     : size);
    append(gram, enc.qb64_part(code.text));
    const bytes neck = enc.number(k == 0 ? gc : k, neck_chars);
    if (mid_first) {
      append(gram, mid_part);
      append(gram, neck);
    } else {
      append(gram, neck);
      append(gram, mid_part);
    }
    if (sizes_of(code).vid != 0) append(gram, vid_part);
    const std::uint64_t room_here = k == 0 ? zbz : static_cast<std::uint64_t>(nbz);
    const std::uint64_t take = std::min(room_here, ml - offset);
    add_body(r, gram, memo.subspan(offset, take), enc, config, is_signed);
    offset += take;
  }
  return r;
}

rend_result rend_legacy(byte_view memo, const rend_config& config, const mid_raw& mid) {
  const bool is_signed = config.signer != nullptr;
  const code_info& code = *zeroth_code(dialect::legacy, is_signed, false);
  const part_sizes s = sizes_of(code);
  const std::size_t hz = scaled(s.mid + s.vid + s.neck + s.signature, config.frm);
  const std::size_t nz = scaled(s.neck, config.frm);
  const std::size_t size = effective_size(config);
  const std::uint64_t bz = size - hz;  // body room of later grams; the zeroth has bz - nz
  const std::uint64_t ml = memo.size();

  rend_result r;
  if (ml == 0) return r;
  const std::uint64_t gc = ml <= bz - nz ? 1 : 1 + ceil_div(ml - (bz - nz), bz);
  const std::uint64_t mms = std::min(max_memo_bytes, bz * max_gram_count - nz);
  if (ml > mms) {
    return refuse(rend_status::memo_too_large,
                  fmt::format("memo of {} bytes exceeds the {} bytes that grams of size {} "
                              "can carry",
                              ml, mms, size));
  }
  const encoder enc{config.frm};
  const bytes mid_part = enc.qb64_part(mid_text(code.text, mid));
  const bytes vid_part = is_signed ? enc.qb64_part(config.vid) : bytes{};
  r.grams.reserve(gc);
  std::uint64_t offset = 0;
  for (std::uint64_t k = 0; offset < ml; ++k) {
    bytes gram;
    gram.reserve(config.bodies_in_memo && !is_signed ? hz + nz : size);
    append(gram, mid_part);
    append(gram, vid_part);
    append(gram, enc.number(k, neck_chars));
    std::uint64_t room_here = bz;
    if (k == 0) {
      append(gram, enc.number(gc, neck_chars));
      room_here = bz - nz;
    }
    const std::uint64_t take = std::min(room_here, ml - offset);
    add_body(r, gram, memo.subspan(offset, take), enc, config, is_signed);
    offset += take;
  }
  return r;
}

}  // namespace

std::size_t effective_size(const rend_config& config) {
  const bool is_signed = config.signer != nullptr;
  const code_info* zcode = zeroth_code(config.dia, is_signed, config.sure);
  if (!zcode) return config.size;
  const part_sizes s = sizes_of(*zcode);
  if (config.dia == dialect::legacy) {
    const std::size_t minimum = scaled(s.mid + s.vid + 2 * s.neck + s.signature, config.frm) + 1;
    return std::max(std::min(config.size, max_gram_bytes), minimum);
  }
  return std::max(config.size, scaled(total(s), config.frm) + 1);
}

rend_result rend(byte_view memo, const rend_config& config, const mid_raw& mid) {
  if (config.sure && config.dia == dialect::legacy)
    return refuse(rend_status::sure_unsupported, "the legacy dialect has no sure codes");
  if (config.signer && !usable_vid(config.vid))
    return refuse(rend_status::bad_vid,
                  fmt::format("'{}' is not a 44-character B, D or E verifier id", config.vid));
  return config.dia == dialect::legacy ? rend_legacy(memo, config, mid)
                                       : rend_coded(memo, config, mid);
}

}  // namespace wirekit::memo
