// Writes a partition has applied and logged but may not acknowledge yet under its fsync mode:
// what to announce and answer once the log says so, and how to take each back if it fails.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/feed_event.hpp"
#include "core/partition_store.hpp"
#include "storage/fsync_policy.hpp"

namespace kv {

struct pending_write {
  storage::log_ticket ticket = 0;
  std::optional<read_value> previous;  // what the key held before; none when absent
  applied_change change;               // announced to the broker once acknowledged
  // Answers the request with whether it is durable. Set on a request's last record only: the
  // records of one request are written and synced together, so they succeed or fail together.
  std::function<void(bool durable)> answer;
};

// Oldest first. Tickets are acknowledged from the front and fail from the back.
class pending_writes {
 public:
  bool empty() const { return writes_.empty(); }
  pending_write& newest() { return writes_.back(); }
  void add(pending_write write) { writes_.push_back(std::move(write)); }

  // Hands every write up to `ticket`, oldest first, to `acknowledge`.
  template <class Acknowledge>
  void acknowledge_through(storage::log_ticket ticket, Acknowledge acknowledge) {
    while (!writes_.empty() && writes_.front().ticket <= ticket) {
      acknowledge(writes_.front());
      writes_.pop_front();
    }
  }

  // Hands every write after `ticket`, newest first, to `fail`: undoing them in that order
  // restores what the store held before the oldest of them.
  template <class Fail>
  void fail_after(storage::log_ticket ticket, Fail fail) {
    while (!writes_.empty() && writes_.back().ticket > ticket) {
      fail(writes_.back());
      writes_.pop_back();
    }
  }

 private:
  std::deque<pending_write> writes_;
};

}  // namespace kv
