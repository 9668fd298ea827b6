// Key-range routing: binary search over the split points.
#include "core/routing_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace kv {

routing_table::routing_table(std::vector<std::string> split_points)
    : split_points_(std::move(split_points)) {}

routing_table routing_table::equal_width(std::size_t count) {
  if (count == 0) throw std::invalid_argument("partition count must be at least 1");
  const std::size_t width = count <= 256 ? 1 : 2;
  const std::size_t space = width == 1 ? 256 : 65536;
  if (count > space) throw std::invalid_argument("partition count must be at most 65536");
  std::vector<std::string> points;
  points.reserve(count - 1);
  for (std::size_t i = 1; i < count; ++i) {
    const std::size_t boundary = i * space / count;
    std::string point;
    for (std::size_t byte = width; byte-- > 0;) {
      point.push_back(static_cast<char>(boundary >> (8 * byte) & 0xFF));
    }
    // "\x10\x00" and "\x10" bound the same keys' first bytes, but a key equal to "\x10" must
    // land above the bound, so the shorter form is the right one.
    while (point.size() > 1 && point.back() == '\0') point.pop_back();
    points.push_back(std::move(point));
  }
  return routing_table(std::move(points));
}

routing_table routing_table::from_split_points(std::vector<std::string> split_points) {
  for (std::size_t i = 0; i < split_points.size(); ++i) {
    if (split_points[i].empty()) throw std::invalid_argument("split points must not be empty");
    if (i > 0 && !(split_points[i - 1] < split_points[i])) {
      throw std::invalid_argument("split points must be strictly increasing");
    }
  }
  return routing_table(std::move(split_points));
}

std::size_t routing_table::partition_for(std::string_view key) const {
  // The partition index is the number of split points <= key.
  const auto it = std::upper_bound(split_points_.begin(), split_points_.end(), key,
                                   [](std::string_view k, const std::string& p) { return k < p; });
  return static_cast<std::size_t>(it - split_points_.begin());
}

key_range routing_table::range_of(std::size_t partition) const {
  key_range range;
  if (partition > 0) range.start = split_points_[partition - 1];
  if (partition < split_points_.size()) range.end = split_points_[partition];
  return range;
}

routing_table::span routing_table::partitions_for_prefix(std::string_view prefix) const {
  const std::size_t first = partition_for(prefix);
  const auto bound = prefix_successor(prefix);
  if (!bound) return {first, partition_count() - 1};
  // The last partition whose start is below the bound: keys with the prefix are < bound.
  const auto it = std::lower_bound(split_points_.begin(), split_points_.end(), *bound);
  return {first, static_cast<std::size_t>(it - split_points_.begin())};
}

std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xFF) bound.pop_back();
  if (bound.empty()) return std::nullopt;
  bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
  return bound;
}

}  // namespace kv
