// The retained tail of the change feed, for watchers that resume: the newest events, at most
// `max_events` of them and at most `max_bytes` bytes. Single-threaded: the broker owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "core/feed_event.hpp"

namespace kv {

class event_history {
 public:
  event_history(std::size_t max_events, std::size_t max_bytes);

  // Events must come in rev order without gaps. Drops the oldest until both bounds hold again,
  // so an event larger than max_bytes is not kept at all.
  void append(feed_event_ptr event);

  // Whether every event after `rev` up to the newest appended is still here (trivially so when
  // `rev` is the newest).
  bool retains_after(std::uint64_t rev, std::uint64_t newest_rev) const;

  struct slice {
    std::vector<feed_event_ptr> events;  // the matching events, in rev order
    std::uint64_t last_looked_at = 0;    // the rev to continue after
  };
  struct slice_limits {
    std::size_t events;   // matching events
    std::size_t bytes;    // of matching events (at least one is returned)
    std::size_t scanned;  // events looked at, matching or not: bounds the work of one call
  };
  // The retained events after `after` whose key starts with `prefix`. `after` must be retained:
  // retains_after(after, ...) is true.
  slice collect(std::uint64_t after, std::string_view prefix, slice_limits limits) const;

  std::size_t size() const { return events_.size(); }
  std::size_t bytes() const { return bytes_; }
  // The rev of the oldest retained event; 0 when nothing is retained.
  std::uint64_t oldest_rev() const { return events_.empty() ? 0 : events_.front()->rev; }

 private:
  std::size_t max_events_;
  std::size_t max_bytes_;
  std::deque<feed_event_ptr> events_;
  std::size_t bytes_ = 0;
};

}  // namespace kv
