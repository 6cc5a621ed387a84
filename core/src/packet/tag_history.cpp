#include "wirekit/packet/tag_history.hpp"

#include <iterator>

namespace wirekit::packet {

bool tag_history::contains(std::uint64_t tag) const {
  if (ranges_.empty() || tag > ranges_.rbegin()->second) return false;  // the usual next tag
  auto it = ranges_.upper_bound(tag);
  if (it == ranges_.begin()) return false;
  --it;
  return tag <= it->second;
}

bool tag_history::insert(std::uint64_t tag) {
  // The usual case, the tag after the newest: nothing lies beyond the last range to join.
  if (!ranges_.empty() && ranges_.rbegin()->second + 1 == tag && tag != 0) {
    ranges_.rbegin()->second = tag;
    return false;
  }
  auto next = ranges_.upper_bound(tag);
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (tag <= prev->second) return false;  // already there
    if (prev->second + 1 == tag) {
      prev->second = tag;
      if (next != ranges_.end() && next->first == tag + 1) {
        prev->second = next->second;
        ranges_.erase(next);
      }
      return false;
    }
  }
  if (next != ranges_.end() && tag + 1 == next->first) {
    const auto last = next->second;
    ranges_.erase(next);
    ranges_.emplace(tag, last);
    return false;
  }
  ranges_.emplace(tag, tag);
  if (ranges_.size() <= max_ranges_) return false;
  auto first = ranges_.begin();
  auto second = std::next(first);
  first->second = second->second;
  ranges_.erase(second);
  return true;
}

}  // namespace wirekit::packet
