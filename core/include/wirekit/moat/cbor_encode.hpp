// CBOR encoding as moat-util's StdCBOR writes it: shortest heads, definite lengths, maps in
// the order given, floats in the shortest width that keeps the value (NaN always as the
// canonical double), integers beyond 64 bits as bignum tags 2/3, tags written unchanged.
#pragma once

#include "wirekit/common/bytes.hpp"
#include "wirekit/moat/value.hpp"

namespace wirekit::moat {

// Appends the encoding of v to out.
void encode_to(bytes& out, const value& v);
bytes encode(const value& v);

}  // namespace wirekit::moat
