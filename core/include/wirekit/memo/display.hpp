// How memos are shown: memos are bytes in wirekit, UTF-8 matters only for display and
// JSON (a memo that is not UTF-8 goes into JSON as standard base64). Kept here because
// core/common has neither a UTF-8 check nor padded standard base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wirekit/common/bytes.hpp"

namespace wirekit::memo {

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as Python's
// bytes.decode() that hio uses.
bool is_utf8(byte_view data);

// RFC 4648 §4 base64 with '=' padding (what jq's @base64d reads).
std::string to_base64(byte_view data);

// Inverse of to_base64 ('=' padding required, as to_base64 writes it); nullopt otherwise.
std::optional<bytes> from_base64(std::string_view text);

}  // namespace wirekit::memo
