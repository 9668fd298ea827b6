// One partition's log: tickets and failures for the owner, rotation at snapshot time, and the
// two background tasks (sync, snapshot) that carry the file handles they need with them.
#include "storage/partition_log.hpp"

#include <algorithm>

#include "storage/partition_files.hpp"

namespace kv::storage {

status sync_request::run() const {
  for (const auto& file : files_) {
    if (status synced = file->sync(); !synced.ok()) return synced;
  }
  return directory_ ? sync_directory(*directory_) : status();
}

status snapshot_task::run() {
  const std::vector<snapshot_entry> entries = std::move(entries_);  // freed here, not by the actor
  auto written = write_unpublished_snapshot(directory_, seq_, entries, open_file_);
  if (!written.ok()) return written.error();
  snapshot_writer& writer = *written.value();
  // Entries copied after seq_ may hold later changes. Their log records must be durable
  // before the snapshot counts, or a crash could keep a change but lose its seq.
  if (status synced = log_file_->sync(); !synced.ok()) return synced;
  if (status published = writer.publish(); !published.ok()) return published;

  // What the snapshot replaces. A file left behind (a failed removal) is removed at the next
  // recovery, which knows it is covered.
  auto listed = list_partition_files(directory_);
  if (!listed.ok()) return {};
  std::error_code ignored;
  for (const numbered_file& wal : listed.value().wal_files) {
    if (wal.seq <= seq_) std::filesystem::remove(wal.path, ignored);
  }
  for (const numbered_file& snapshot : listed.value().snapshots) {
    if (snapshot.seq < seq_) std::filesystem::remove(snapshot.path, ignored);
  }
  return {};
}

result<partition_log> partition_log::open(partition_log_options options, const replay_sink& sink,
                                          recovery_report& report) {
  auto recovered = recover_partition(options.directory, options.repair, sink, options.open_file);
  if (!recovered.ok()) return recovered.error();
  report = std::move(recovered.value().report);
  auto writer = open_writer(options, report.last_seq + 1);
  if (!writer.ok()) return writer.error();
  // The new log file's entry, and the partition directory's own if recovery created it.
  for (const auto& directory : {options.directory, options.directory.parent_path()}) {
    if (directory.empty()) continue;
    if (status synced = sync_directory(directory); !synced.ok()) return synced;
  }
  partition_log log(std::move(options), std::move(writer.value()), report.last_seq + 1,
                    report.last_seq);
  log.rotated_bytes_ = recovered.value().wal_bytes;
  log.snapshot_needed_ = report.repaired;
  return log;
}

partition_log::partition_log(partition_log_options options, std::unique_ptr<log_writer> writer,
                             std::uint64_t first_seq, std::uint64_t last_seq)
    : options_(std::move(options)),
      policy_(options_.fsync, options_.everysec_interval),
      writer_(std::move(writer)),
      current_first_seq_(first_seq),
      last_seq_(last_seq),
      written_seq_(last_seq) {}

result<std::unique_ptr<log_writer>> partition_log::open_writer(const partition_log_options& options,
                                                               std::uint64_t first_seq) {
  const std::filesystem::path path = wal_path(options.directory, first_seq);
  auto opened = options.open_file(path);
  if (!opened.ok()) return opened.error();
  // Only an empty file (left by a run that wrote nothing, or a cut torn tail) can have the
  // name of the next seq: one with records would have raised last_seq.
  if (opened.value()->size() != 0) {
    return status::corruption("log " + path.string() + " should be empty but holds " +
                              std::to_string(opened.value()->size()) + " bytes");
  }
  return std::make_unique<log_writer>(std::move(opened.value()));
}

result<log_ticket> partition_log::append(const wal_record_view& record) {
  if (!health_.ok()) return health_;
  if (record.seq != last_seq_ + 1) {
    return status(std::make_error_code(std::errc::invalid_argument),
                  "log " + options_.directory.string() + ": seq " + std::to_string(record.seq) +
                      " does not follow " + std::to_string(last_seq_));
  }
  encoded_.clear();
  encode_wal_record(record, encoded_);
  writer_->add_record(encoded_);
  last_seq_ = record.seq;
  return policy_.on_append();
}

commit_progress partition_log::flush() {
  if (!health_.ok() || writer_->buffered_bytes() == 0) return progress();
  status written = writer_->flush();
  if (written.ok()) {
    policy_.on_written(options_.now());
    written_seq_ = last_seq_;
    return progress();
  }
  last_seq_ = written_seq_;
  if (!writer_->health().ok()) return break_log(writer_->health());
  return {policy_.acknowledgeable(), policy_.last_written(), std::move(written)};
}

std::optional<sync_request> partition_log::start_sync() {
  if (!health_.ok() || !policy_.sync_due(options_.now())) return std::nullopt;
  return make_sync_request();
}

sync_request partition_log::make_sync_request() {
  sync_request request;
  request.files_ = unsynced_rotated_;
  request.files_.push_back(writer_->file());
  if (directory_changes_ > directory_changes_synced_) {
    request.directory_ = options_.directory;
    request.directory_changes_ = directory_changes_;
  }
  request.covers_ = policy_.begin_sync();
  return request;
}

commit_progress partition_log::finish_sync(const sync_request& request, const status& outcome) {
  policy_.end_sync(request.covers(), outcome.ok());
  if (!outcome.ok()) return break_log(outcome);
  // Rotated logs in the request are synced for good: nothing is written to them any more.
  std::erase_if(unsynced_rotated_, [&](const std::shared_ptr<writable_file>& file) {
    return std::find(request.files_.begin(), request.files_.end(), file) != request.files_.end();
  });
  directory_changes_synced_ = std::max(directory_changes_synced_, request.directory_changes_);
  return progress();
}

commit_progress partition_log::sync_now() {
  commit_progress flushed = flush();
  if (flushed.failed_after || !health_.ok()) return flushed;
  if (policy_.sync_in_flight()) {
    return {policy_.acknowledgeable(), std::nullopt,
            status(std::make_error_code(std::errc::operation_in_progress),
                   "log " + options_.directory.string() + ": a sync is already running")};
  }
  const sync_request request = make_sync_request();
  return finish_sync(request, request.run());
}

commit_progress partition_log::break_log(const status& cause) {
  health_ = status(make_error_code(storage_errc::log_broken), cause.message());
  // Nothing that is not acknowledged yet ever will be.
  return {policy_.acknowledgeable(), policy_.acknowledgeable(), cause};
}

bool partition_log::snapshot_due(std::uint64_t live_bytes) const {
  if (snapshot_running_ || !health_.ok()) return false;
  if (snapshot_needed_) return true;
  const double threshold =
      std::max(static_cast<double>(options_.snapshot_min_log_bytes),
               options_.snapshot_log_multiple * static_cast<double>(live_bytes));
  return static_cast<double>(log_bytes()) > threshold && log_bytes() >= snapshot_retry_bytes_;
}

result<snapshot_plan> partition_log::begin_snapshot() {
  if (!health_.ok()) return health_;
  if (snapshot_running_ || writer_->buffered_bytes() != 0) {
    return status(std::make_error_code(std::errc::invalid_argument),
                  "log " + options_.directory.string() +
                      ": begin_snapshot() needs no snapshot running and a flushed log");
  }
  if (current_first_seq_ != last_seq_ + 1) {  // else the current log holds nothing to replace
    auto opened = open_writer(options_, last_seq_ + 1);
    if (!opened.ok()) return opened.error();
    if (options_.fsync != fsync_mode::no && policy_.has_unsynced_writes()) {
      unsynced_rotated_.push_back(writer_->file());
    }
    rotated_bytes_ += writer_->flushed_size();
    writer_ = std::move(opened.value());
    current_first_seq_ = last_seq_ + 1;
    ++directory_changes_;
  }
  snapshot_running_ = true;
  return snapshot_plan{last_seq_};
}

result<snapshot_task> partition_log::prepare_snapshot(const snapshot_plan& plan,
                                                      std::vector<snapshot_entry> entries) {
  if (!snapshot_running_ || writer_->buffered_bytes() != 0) {
    return status(std::make_error_code(std::errc::invalid_argument),
                  "log " + options_.directory.string() +
                      ": prepare_snapshot() needs begin_snapshot() and a flushed log");
  }
  snapshot_task task;
  task.directory_ = options_.directory;
  task.seq_ = plan.seq;
  task.entries_ = std::move(entries);
  task.log_file_ = writer_->file();
  task.open_file_ = options_.open_file;
  return task;
}

void partition_log::finish_snapshot(const status& outcome) {
  snapshot_running_ = false;
  if (outcome.ok()) {
    rotated_bytes_ = 0;  // every rotated log was before the plan's seq: the task removed it
    snapshot_needed_ = false;
    snapshot_retry_bytes_ = 0;
  } else {
    snapshot_retry_bytes_ = log_bytes() + options_.snapshot_min_log_bytes;
  }
}

std::uint64_t partition_log::log_bytes() const {
  return rotated_bytes_ + writer_->flushed_size() + writer_->buffered_bytes();
}

}  // namespace kv::storage
