// When a logged write may be acknowledged and when the log must be fsynced, for the modes
// always (group commit), everysec and no. Pure bookkeeping on tickets and an injected clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "storage/status.hpp"

namespace kv::storage {

enum class fsync_mode {
  always,    // acknowledge after fdatasync; records appended meanwhile share the next one
  everysec,  // acknowledge once written to the OS; fdatasync at most a second later
  no,        // acknowledge once written to the OS; the OS writes back when it likes
};

// Numbers the appended records 1, 2, 3, ... in append order, across log files.
using log_ticket = std::uint64_t;

// What the owner may now answer. Tickets only ever fail from the newest end: first acknowledge
// every waiting ticket <= acknowledged_through, then fail every waiting ticket > failed_after.
struct commit_progress {
  log_ticket acknowledged_through = 0;
  std::optional<log_ticket> failed_after;
  status error;  // why tickets failed, or that the log broke
};

class fsync_policy {
 public:
  using clock = std::chrono::steady_clock;

  explicit fsync_policy(fsync_mode mode,
                        clock::duration everysec_interval = std::chrono::seconds(1));

  log_ticket on_append() { return ++issued_; }
  // Every appended record is now in the OS (written, not yet synced).
  void on_written(clock::time_point now);
  // The sync starting now covers every written record; returns the last ticket it covers.
  log_ticket begin_sync();
  void end_sync(log_ticket covered, bool succeeded);

  // Every ticket up to here may be acknowledged: synced ones for always, written ones else.
  log_ticket acknowledgeable() const;
  // Whether to start a sync now: never while one is running, never for `no`.
  bool sync_due(clock::time_point now) const;
  // everysec: when the oldest unsynced write must start its sync (set a timer for it);
  // nullopt when nothing is waiting or the mode does not use a timer.
  std::optional<clock::time_point> next_sync_time() const;

  fsync_mode mode() const { return mode_; }
  log_ticket last_issued() const { return issued_; }
  log_ticket last_written() const { return written_; }
  log_ticket last_synced() const { return synced_; }
  bool sync_in_flight() const { return in_flight_; }
  // Written records that no sync, finished or running, covers.
  bool has_unsynced_writes() const { return written_ > covered_; }

 private:
  fsync_mode mode_;
  clock::duration interval_;
  log_ticket issued_ = 0;
  log_ticket written_ = 0;
  log_ticket covered_ = 0;  // by the last sync begun
  log_ticket synced_ = 0;
  bool in_flight_ = false;
  clock::time_point unsynced_since_{};  // first write after covered_; valid while there is one
};

}  // namespace kv::storage
