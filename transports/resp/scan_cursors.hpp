// SCAN's cursors. Redis clients treat a cursor as a number (redis-py and redis-cli parse it),
// while the store's listing goes on after a key; so each cursor handed out is a number standing
// for the last key listed. A key, unlike a position, stays valid however keys move between
// partitions or get written meanwhile: the next page starts after it in key order. Shared by
// the node's connections, since a client may go on with a scan on another connection of its
// pool; the oldest cursors are forgotten past `capacity`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace kv::resp {

class scan_cursors {
 public:
  explicit scan_cursors(std::size_t capacity = 100000);

  // A new cursor, never 0, standing for "after `key`".
  std::uint64_t open(std::string key);
  // The key a cursor stands for; nothing for one never handed out or forgotten.
  std::optional<std::string> find(std::uint64_t cursor) const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::uint64_t next_;
  std::unordered_map<std::uint64_t, std::string> keys_;
  std::deque<std::uint64_t> order_;  // oldest first
};

}  // namespace kv::resp
