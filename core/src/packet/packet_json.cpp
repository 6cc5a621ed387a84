#include "wirekit/packet/packet_json.hpp"

#include "wirekit/common/hex.hpp"
#include "wirekit/packet/codec.hpp"

namespace wirekit::packet {

using json = nlohmann::ordered_json;

bool is_utf8(byte_view data) {
  std::size_t i = 0;
  while (i < data.size()) {
    const auto c = std::to_integer<unsigned>(data[i]);
    std::size_t n = 0;
    unsigned min = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (data.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = std::to_integer<unsigned>(data[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

json to_json(const packet& p) {
  json j;
  j["is_request"] = p.is_request;
  j["channel"] = p.channel;
  j["tag"] = p.tag;
  j["flags"] = p.flags;
  if (p.is_request) {
    if (p.rq_type_wire == 0) {
      j["rq_type"] = -1;
    } else {
      j["rq_type"] = p.user_rq_type();
    }
    j["rq_type_wire"] = p.rq_type_wire;
  } else {
    j["ok"] = p.ok;
  }
  j["payload_hex"] = to_hex(p.payload);
  if (is_utf8(p.payload)) j["payload_utf8"] = std::string(as_chars(p.payload));
  if (const auto kind = classify(p); kind != control_kind::none)
    j["control"] = std::string(to_string(kind));
  return j;
}

namespace {

std::optional<std::uint64_t> get_u64(const json& j, const char* name, std::uint64_t fallback,
                                     std::string& error) {
  if (!j.contains(name)) return fallback;
  const auto& v = j[name];
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return v.get<std::uint64_t>();
  error = std::string("\"") + name + "\" must be an unsigned integer";
  return std::nullopt;
}

}  // namespace

json_encode_result encode_json(const json& object, std::size_t max_packet_bytes) {
  json_encode_result r;
  if (!object.is_object()) {
    r.error = "not a JSON object";
    return r;
  }
  if (object.contains("hex")) {
    if (!object["hex"].is_string()) {
      r.error = "\"hex\" must be a string";
      return r;
    }
    auto wire = from_hex(object["hex"].get<std::string>());
    if (!wire) r.error = "\"hex\" is not hex";
    r.wire = std::move(wire);
    return r;
  }
  const json* fields = &object;
  for (const char* nested : {"decoded", "fields", "accepted"}) {
    if (object.contains(nested) && object[nested].is_object()) fields = &object[nested];
  }
  const json& f = *fields;
  if (f.contains("control")) {
    const auto c = f["control"].is_string() ? f["control"].get<std::string>() : "";
    if (c == "EOF" || c == "ERQ") {
      r.wire.emplace();
      encode(c == "EOF" ? make_eof() : make_erq(), *r.wire);
      return r;
    }
  }
  bytes payload;
  if (f.contains("payload_hex")) {
    auto b =
        f["payload_hex"].is_string() ? from_hex(f["payload_hex"].get<std::string>()) : std::nullopt;
    if (!b) {
      r.error = "\"payload_hex\" is not hex";
      return r;
    }
    payload = std::move(*b);
  } else {
    for (const char* name : {"payload_utf8", "payload"}) {
      if (!f.contains(name)) continue;
      if (!f[name].is_string()) {
        r.error = std::string("\"") + name + "\" must be a string";
        return r;
      }
      payload = to_bytes(f[name].get<std::string>());
      break;
    }
  }
  packet p;
  p.is_request = f.contains("is_request")
                     ? f["is_request"].is_boolean() && f["is_request"].get<bool>()
                     : !f.contains("ok");
  const auto channel = get_u64(f, "channel", 0, r.error);
  const auto tag = get_u64(f, "tag", first_tag_channel0, r.error);
  const auto flags = get_u64(f, "flags", 0, r.error);
  if (!channel || !tag || !flags) return r;
  p.channel = *channel;
  p.tag = *tag;
  p.flags = *flags;
  if (p.is_request) {
    if (f.contains("rq_type_wire")) {
      const auto w = get_u64(f, "rq_type_wire", 0, r.error);
      if (!w) return r;
      p.rq_type_wire = *w;
    } else if (f.contains("rq_type") && f["rq_type"].is_number_integer() &&
               f["rq_type"].get<std::int64_t>() == -1) {
      p.rq_type_wire = 0;
    } else {
      const auto t = get_u64(f, "rq_type", 0, r.error);
      if (!t) return r;
      if (*t > max_user_rq_type) {
        r.error = "\"rq_type\" too large";
        return r;
      }
      p.rq_type_wire = *t + 1;
    }
  } else {
    p.ok = !f.contains("ok") || (f["ok"].is_boolean() && f["ok"].get<bool>());
  }
  p.payload = payload;
  r.wire.emplace();
  switch (encode(p, *r.wire, max_packet_bytes)) {
    case encode_status::ok:
      break;
    case encode_status::flags_too_large:
      r.wire.reset();
      r.error = "\"flags\" too large for the wire flags word";
      break;
    case encode_status::packet_too_large:
      r.wire.reset();
      r.error = "packet longer than the maximum (--max-packet)";
      break;
  }
  return r;
}

}  // namespace wirekit::packet
