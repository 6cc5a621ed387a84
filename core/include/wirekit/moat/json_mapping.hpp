// CBOR values ⇄ JSON for the command line (the notation of ../shared/vectors/README.md):
// {"$bytes": hex}, {"$tag": n, "value": v}, {"$undefined": true}, {"$simple": n},
// {"$bigint": "decimal"} outside [-2^63, 2^64-1], {"$float": "nan"|"inf"|"-inf"}, and maps
// with a non-text, repeated or "$…" key as {"$map": [[k, v], …]}; other maps are objects in
// wire order. JSON numbers with a fraction or exponent are floats.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wirekit/moat/value.hpp"

namespace wirekit::moat {

using json = nlohmann::ordered_json;

// Deeper JSON is refused by from_json (the decoder bounds CBOR nesting the same way).
inline constexpr std::size_t max_json_depth = 64;

json to_json(const value& v);

// Appends to_json(v).dump() to out; integers, plain ASCII texts, null, booleans and arrays of
// them are written directly (the per-item path of a stream), anything else through to_json.
void append_json(std::string& out, const value& v);
void append_json_array(std::string& out, std::span<const value> items);

// One JSON text (surrounding whitespace allowed) as a value: from_json(json::parse(text)),
// with integers, plain ASCII strings, true/false/null read directly. nullopt with a reason.
std::optional<value> parse_json_value(std::string_view text, std::string* why = nullptr);

// nullopt (with a reason in *why) for a "$…" object that does not fit the notation or
// nesting deeper than max_json_depth.
std::optional<value> from_json(const json& j, std::string* why = nullptr);

}  // namespace wirekit::moat
