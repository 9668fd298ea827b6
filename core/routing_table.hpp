// Maps a key to the partition whose key range holds it. Partition i holds the keys in
// [split_points[i-1], split_points[i]); ranges are ordered, so partition order is key order.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

struct key_range {
  std::string start;               // inclusive; "" for the first partition
  std::optional<std::string> end;  // exclusive; none for the last partition
};

class routing_table {
 public:
  // `count` ranges of equal width over the key's first bytes (one byte up to 256 partitions,
  // two bytes beyond that).
  static routing_table equal_width(std::size_t count);
  // Explicit split points: non-empty, strictly increasing. Throws std::invalid_argument.
  static routing_table from_split_points(std::vector<std::string> split_points);

  std::size_t partition_count() const { return split_points_.size() + 1; }
  std::size_t partition_for(std::string_view key) const;
  key_range range_of(std::size_t partition) const;

  // The first and last partition (inclusive) that can hold keys starting with `prefix`.
  struct span {
    std::size_t first;
    std::size_t last;
  };
  span partitions_for_prefix(std::string_view prefix) const;

 private:
  explicit routing_table(std::vector<std::string> split_points);
  std::vector<std::string> split_points_;
};

// The smallest string greater than every string that starts with `prefix`, or nothing when
// no such bound exists (an empty prefix or one of only 0xFF bytes).
std::optional<std::string> prefix_successor(std::string_view prefix);

}  // namespace kv
