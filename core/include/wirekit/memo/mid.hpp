// Memo IDs. On the wire a MID is 16 raw bytes behind a two-character code: `0A` in 1aa
// and baa; in legacy the gram code itself (`__` or `_-`). The raw part is the memo's key.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "wirekit/common/bytes.hpp"
#include "wirekit/memo/dialect.hpp"

namespace wirekit::memo {

inline constexpr std::size_t mid_raw_bytes = 16;
using mid_raw = std::array<std::byte, mid_raw_bytes>;

// hio uses uuid1 (time and MAC address). wirekit draws the 16 bytes from libsodium's
// randombytes and marks them as an RFC 4122 version 4 UUID: unique without a clock or a
// MAC address, and telling nothing about the sender. Receivers never validate MIDs.
mid_raw random_mid();

// The 24-character qb64 MID with the given two-character prefix.
std::string mid_text(std::string_view prefix, const mid_raw& raw);

// The raw part of a 24-character qb64 MID with any two-character prefix and zero pad
// bits (so `0AD5s5…` and `__D5s5…` give the same raw bytes); nullopt otherwise.
std::optional<mid_raw> parse_mid(std::string_view text);

}  // namespace wirekit::memo
