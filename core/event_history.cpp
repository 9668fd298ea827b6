// A deque indexed by rev: events are appended without gaps, so event `rev` sits at
// rev - oldest_rev().
#include "core/event_history.hpp"

namespace kv {

event_history::event_history(std::size_t max_events, std::size_t max_bytes)
    : max_events_(max_events), max_bytes_(max_bytes) {}

void event_history::append(feed_event_ptr event) {
  bytes_ += event->bytes();
  events_.push_back(std::move(event));
  while (!events_.empty() && (events_.size() > max_events_ || bytes_ > max_bytes_)) {
    bytes_ -= events_.front()->bytes();
    events_.pop_front();
  }
}

bool event_history::retains_after(std::uint64_t rev, std::uint64_t newest_rev) const {
  if (rev == newest_rev) return true;
  return rev < newest_rev && !events_.empty() && oldest_rev() <= rev + 1;
}

event_history::slice event_history::collect(std::uint64_t after, std::string_view prefix,
                                            slice_limits limits) const {
  slice found;
  found.last_looked_at = after;
  if (events_.empty()) return found;
  std::size_t bytes = 0;
  std::size_t scanned = 0;
  for (auto it = events_.begin() + static_cast<std::ptrdiff_t>(after + 1 - oldest_rev());
       it != events_.end() && scanned < limits.scanned; ++it, ++scanned) {
    const feed_event_ptr& event = *it;
    if (event->key.starts_with(prefix)) {
      if (!found.events.empty() &&
          (found.events.size() >= limits.events || bytes + event->bytes() > limits.bytes)) {
        break;
      }
      bytes += event->bytes();
      found.events.push_back(event);
    }
    found.last_looked_at = event->rev;
  }
  return found;
}

}  // namespace kv
