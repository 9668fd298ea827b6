// The fsync decisions. Group commit falls out of the bookkeeping: one sync covers every record
// written before it began, and while it runs the next batch accumulates for the following one.
#include "storage/fsync_policy.hpp"

#include <algorithm>

namespace kv::storage {

fsync_policy::fsync_policy(fsync_mode mode, clock::duration everysec_interval)
    : mode_(mode), interval_(everysec_interval) {}

void fsync_policy::on_written(clock::time_point now) {
  if (written_ == issued_) return;
  if (!has_unsynced_writes()) unsynced_since_ = now;
  written_ = issued_;
}

log_ticket fsync_policy::begin_sync() {
  in_flight_ = true;
  covered_ = written_;
  return covered_;
}

void fsync_policy::end_sync(log_ticket covered, bool succeeded) {
  in_flight_ = false;
  if (succeeded) synced_ = std::max(synced_, covered);
}

log_ticket fsync_policy::acknowledgeable() const {
  return mode_ == fsync_mode::always ? synced_ : written_;
}

bool fsync_policy::sync_due(clock::time_point now) const {
  if (in_flight_ || !has_unsynced_writes()) return false;
  switch (mode_) {
    case fsync_mode::always:
      return true;
    case fsync_mode::everysec:
      return now >= unsynced_since_ + interval_;
    case fsync_mode::no:
      return false;
  }
  return false;
}

std::optional<fsync_policy::clock::time_point> fsync_policy::next_sync_time() const {
  if (mode_ != fsync_mode::everysec || !has_unsynced_writes()) return std::nullopt;
  return unsynced_since_ + interval_;
}

}  // namespace kv::storage
