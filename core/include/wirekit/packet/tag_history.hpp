// The tags a peer has used on one channel. The reference never answers a tag twice for
// the life of a connection (spec §2.4), so a receiver must remember every tag it has seen.
// Tags normally go up by one, so the set is kept as ranges: one range for a well-behaved
// peer. The number of ranges is bounded; past the bound the two oldest ranges are joined,
// so the tags between them count as used (a peer that skips and revisits tags loses
// answers for them, never memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace wirekit::packet {

class tag_history {
 public:
  explicit tag_history(std::size_t max_ranges) : max_ranges_(max_ranges < 1 ? 1 : max_ranges) {}

  bool contains(std::uint64_t tag) const;
  // Returns true if the insert joined two old ranges to stay within the bound.
  bool insert(std::uint64_t tag);

  std::size_t range_count() const { return ranges_.size(); }

 private:
  std::map<std::uint64_t, std::uint64_t> ranges_;  // first tag → last tag (inclusive)
  std::size_t max_ranges_;
};

}  // namespace wirekit::packet
