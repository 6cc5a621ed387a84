// A bounded reader over a byte view: every read checks what is left and fails instead of
// reading past the end (decode field by field, never cast structs over buffers).
#pragma once

#include <cstddef>
#include <optional>

#include "wirekit/common/bytes.hpp"

namespace wirekit {

class byte_reader {
 public:
  explicit byte_reader(byte_view data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }

  // The next n bytes, advancing past them; nullopt (and no advance) if fewer remain.
  std::optional<byte_view> take(std::size_t n) {
    if (n > remaining()) return std::nullopt;
    const auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  std::optional<std::byte> take_byte() {
    if (empty()) return std::nullopt;
    return data_[pos_++];
  }

  byte_view rest() const { return data_.subspan(pos_); }

 private:
  byte_view data_;
  std::size_t pos_ = 0;
};

}  // namespace wirekit
