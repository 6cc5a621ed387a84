// Verifier IDs a receiver trusts, for the vids that are not the key itself (`D`, `E`):
// hio's `keep` on the receiving side. A `B` vid is its own verkey and needs no entry.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "wirekit/memo/ed25519.hpp"

namespace wirekit::memo {

class trust_store {
 public:
  void add(std::string vid, const verkey& key) { keys_.insert_or_assign(std::move(vid), key); }
  const verkey* find(std::string_view vid) const {
    const auto it = keys_.find(vid);
    return it == keys_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, verkey, std::less<>> keys_;
};

}  // namespace wirekit::memo
