// The durable log of one partition, owned and called by its actor on one thread: recovery at
// open, appends with group commit, fsyncs and snapshots run by other threads via small tasks.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "storage/file.hpp"
#include "storage/fsync_policy.hpp"
#include "storage/log_writer.hpp"
#include "storage/recovery.hpp"
#include "storage/snapshot.hpp"
#include "storage/status.hpp"
#include "storage/wal_record.hpp"

namespace kv::storage {

struct partition_log_options {
  std::filesystem::path directory;  // data_dir/partition-<id>; created when missing
  fsync_mode fsync = fsync_mode::everysec;
  fsync_policy::clock::duration everysec_interval = std::chrono::seconds(1);
  bool repair = false;  // drop damaged log records and snapshots instead of refusing to start
  // Snapshot once the logs hold more than this many times the live data (keys plus values),
  // and at least snapshot_min_log_bytes, so that a nearly empty partition does not snapshot
  // on every write.
  double snapshot_log_multiple = 4.0;
  std::uint64_t snapshot_min_log_bytes = std::uint64_t{16} << 20;
  file_opener open_file = open_posix_file;
  std::function<fsync_policy::clock::time_point()> now = fsync_policy::clock::now;
};

// One fdatasync of everything written so far, to run on a background thread.
class sync_request {
 public:
  // Blocking. Safe while the log's owner keeps appending.
  status run() const;
  log_ticket covers() const { return covers_; }

 private:
  friend class partition_log;
  std::vector<std::shared_ptr<writable_file>> files_;  // rotated logs first, the current last
  std::optional<std::filesystem::path> directory_;     // when a log file was created since
  std::uint64_t directory_changes_ = 0;                // how many creations it makes durable
  log_ticket covers_ = 0;
};

// A snapshot begun: it holds every change up to seq, and the log from seq + 1 on is kept.
struct snapshot_plan {
  std::uint64_t seq = 0;
};

// Writing one snapshot, to run on a background thread.
class snapshot_task {
 public:
  // Blocking: writes and publishes the snapshot, then removes the logs and older snapshots it
  // replaces. Also frees the entries here rather than on the actor's thread.
  status run();
  std::uint64_t seq() const { return seq_; }

 private:
  friend class partition_log;
  std::filesystem::path directory_;
  std::uint64_t seq_ = 0;
  std::vector<snapshot_entry> entries_;
  std::shared_ptr<writable_file> log_file_;  // receives every change after seq_
  file_opener open_file_;
};

class partition_log {
 public:
  // Recovers the partition into `sink` (see recover_partition), fills `report`, and opens a
  // new log file to append to. Errors name the file and offset.
  static result<partition_log> open(partition_log_options options, const replay_sink& sink,
                                    recovery_report& report);

  // ---- Writing, with group commit ----
  // Frames the record into the buffer and returns its ticket; fails only when the log is
  // broken or seq does not follow last_seq(). Nothing is durable before flush().
  result<log_ticket> append(const wal_record_view& record);
  // Writes the buffer to the OS: everysec and no may then acknowledge. Call it at the end of
  // every batch of messages, and when buffered_bytes() grows large. On failure the buffered
  // records fail, last_seq() goes back to the last written one, and the log can go on.
  commit_progress flush();
  // The sync to start now, if one is due (always: something written and none running;
  // everysec: next_sync_time() has come). Run it elsewhere, then hand its outcome to
  // finish_sync(); records appended meanwhile wait for the next one.
  std::optional<sync_request> start_sync();
  // A failed fdatasync breaks the log: nothing not yet acknowledged ever will be.
  commit_progress finish_sync(const sync_request& request, const status& outcome);
  // flush() and a sync on this thread, whatever the mode: for shutdown and tests. Not while a
  // sync_request is running.
  commit_progress sync_now();
  // everysec: when to call start_sync() next (set a timer); nullopt when nothing waits.
  std::optional<fsync_policy::clock::time_point> next_sync_time() const {
    return policy_.next_sync_time();
  }

  // ---- Snapshots ----
  // The logs outgrew the live data (or repair left damage to write away), and no snapshot is
  // running. After a failed snapshot, the logs must grow by snapshot_min_log_bytes first.
  bool snapshot_due(std::uint64_t live_bytes) const;
  // Call right after flush(). Starts a new log file for the changes after last_seq(). The
  // owner then copies its entries, at once or in key-ordered chunks across several turns
  // while writes go on: changes after plan.seq are in the new log, and replaying them over
  // entries copied at any moment since gives the same result, because each record carries
  // its key's resulting version.
  result<snapshot_plan> begin_snapshot();
  // Call right after flush(), once the copy is complete.
  result<snapshot_task> prepare_snapshot(const snapshot_plan& plan,
                                         std::vector<snapshot_entry> entries);
  // With the outcome of snapshot_task::run().
  void finish_snapshot(const status& outcome);

  std::uint64_t last_seq() const { return last_seq_; }
  std::uint64_t log_bytes() const;  // every log file the newest snapshot does not cover
  std::uint64_t buffered_bytes() const { return writer_->buffered_bytes(); }
  // Not ok once broken (a failed fdatasync, or a failed write that could not be cut back):
  // every append fails with it until the node restarts and recovers.
  const status& health() const { return health_; }

 private:
  partition_log(partition_log_options options, std::unique_ptr<log_writer> writer,
                std::uint64_t first_seq, std::uint64_t last_seq);

  static result<std::unique_ptr<log_writer>> open_writer(const partition_log_options& options,
                                                         std::uint64_t first_seq);
  sync_request make_sync_request();
  commit_progress progress() const { return {policy_.acknowledgeable(), std::nullopt, {}}; }
  commit_progress break_log(const status& cause);

  partition_log_options options_;
  fsync_policy policy_;
  std::unique_ptr<log_writer> writer_;
  std::uint64_t current_first_seq_;  // in the current log file's name
  std::uint64_t last_seq_;           // of the last record appended
  std::uint64_t written_seq_;        // of the last record in the OS
  std::string encoded_;              // reused for every record
  // Rotated logs that may hold written records no sync has covered yet, and log files
  // created since open (counted) whose directory entries a sync made durable.
  std::vector<std::shared_ptr<writable_file>> unsynced_rotated_;
  std::uint64_t directory_changes_ = 0;
  std::uint64_t directory_changes_synced_ = 0;
  std::uint64_t rotated_bytes_ = 0;  // in logs before the current one, not yet snapshotted
  bool snapshot_running_ = false;
  bool snapshot_needed_ = false;            // repair dropped damage that is still in the files
  std::uint64_t snapshot_retry_bytes_ = 0;  // after a failed snapshot, wait for this log size
  status health_;
};

}  // namespace kv::storage
