// Cursor numbers start at a random point so that those of a restarted node do not resume
// another scan; they only grow, and a forgotten one is refused rather than taken for another.
#include "transports/resp/scan_cursors.hpp"

#include <random>

namespace kv::resp {

scan_cursors::scan_cursors(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {
  std::random_device seed;
  // Well below 2^63, so that a cursor reads as a positive number in any client's integer type.
  next_ = ((std::uint64_t{seed()} << 20) ^ seed()) % (std::uint64_t{1} << 52) + 1;
}

std::uint64_t scan_cursors::open(std::string key) {
  const std::lock_guard lock(mutex_);
  const std::uint64_t cursor = next_++;
  keys_.emplace(cursor, std::move(key));
  order_.push_back(cursor);
  while (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return cursor;
}

std::optional<std::string> scan_cursors::find(std::uint64_t cursor) const {
  const std::lock_guard lock(mutex_);
  const auto found = keys_.find(cursor);
  if (found == keys_.end()) return std::nullopt;
  return found->second;
}

}  // namespace kv::resp
