// Lowercase hex, as the vectors and --emit hex write it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wirekit/common/bytes.hpp"

namespace wirekit {

std::string to_hex(byte_view data);

// Accepts upper- and lowercase digits; nullopt on an odd length or a non-hex character.
std::optional<bytes> from_hex(std::string_view text);

}  // namespace wirekit
