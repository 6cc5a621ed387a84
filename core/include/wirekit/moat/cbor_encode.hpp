// CBOR encoding as moat-util's StdCBOR writes it: shortest heads, definite lengths, maps in
// the order given, floats in the shortest width that keeps the value (NaN always as the
// canonical double), integers beyond 64 bits as bignum tags 2/3, tags written unchanged.
#pragma once

#include <cstdint>

#include "wirekit/common/bytes.hpp"
#include "wirekit/moat/value.hpp"

namespace wirekit::moat {

inline constexpr unsigned major_uint = 0, major_negint = 1, major_bytes = 2, major_text = 3,
                          major_array = 4, major_map = 5, major_tag = 6;

// Appends the shortest head of a major type with its argument (a length, an integer's
// magnitude, a tag number): the start of an item whose content the caller writes.
void encode_head(bytes& out, unsigned major, std::uint64_t arg);

// Appends the encoding of v to out.
void encode_to(bytes& out, const value& v);
bytes encode(const value& v);

}  // namespace wirekit::moat
