// Recovery of one partition: choose and load the newest snapshot, remove what it makes
// obsolete, replay the later logs checking that seqs follow one another, and cut torn tails.
#include "storage/recovery.hpp"

#include "storage/log_reader.hpp"
#include "storage/snapshot.hpp"

namespace kv::storage {
namespace {

constexpr const char* kRepairHint = "; start with --repair to drop the damaged or missing data";

status with_repair_hint(const status& error) {
  if (error.code() != make_error_code(storage_errc::corruption)) return error;
  return {error.code(), error.message() + kRepairHint};
}

class partition_recovery {
 public:
  partition_recovery(std::filesystem::path directory, bool repair, const replay_sink& sink,
                     const file_opener& open_file)
      : directory_(std::move(directory)), repair_(repair), sink_(sink), open_file_(open_file) {}

  result<recovered_partition> run() {
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    if (error) return status(error, "create " + directory_.string() + ": " + error.message());
    auto listed = list_partition_files(directory_);
    if (!listed.ok()) return listed.error();
    const partition_files& files = listed.value();

    for (const auto& interrupted : files.interrupted_snapshots) {
      std::filesystem::remove(interrupted, error);
      warn("removed interrupted snapshot " + interrupted.string());
    }
    if (status loaded = load_snapshot(files.snapshots); !loaded.ok()) return loaded;
    for (std::size_t i = 0; i < files.wal_files.size(); ++i) {
      const numbered_file& wal = files.wal_files[i];
      const bool next_starts_within_snapshot =
          i + 1 < files.wal_files.size() && files.wal_files[i + 1].seq <= snapshot_seq_ + 1;
      if (snapshot_seq_ > 0 && next_starts_within_snapshot) {
        // Only changes the snapshot holds: left over when a removal after a snapshot failed.
        std::filesystem::remove(wal.path, error);
        continue;
      }
      if (status follows = check_log_follows(wal); !follows.ok()) return follows;
      if (status replayed = replay_log(wal); !replayed.ok()) return replayed;
      last_file_ = wal.path;
    }
    result_.report.last_seq = last_seq_;
    return std::move(result_);
  }

 private:
  status load_snapshot(const std::vector<numbered_file>& snapshots) {
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
      if (repair_) {
        // Check it whole first: a damaged one must not leave half its entries in the sink.
        auto checked = read_snapshot(
            it->path, [](std::string, std::string, std::uint64_t, value_type, std::int64_t) {});
        if (!checked.ok()) {
          set_aside(it->path, checked.error().message());
          continue;
        }
      }
      const std::uint64_t seq = it->seq;
      auto loaded = read_snapshot(
          it->path, [this, seq](std::string key, std::string value, std::uint64_t version,
                                value_type type, std::int64_t expires_at_ms) {
            sink_(wal_record{.op = wal_op::put,
                             .seq = seq,
                             .version = version,
                             .key = std::move(key),
                             .value = std::move(value),
                             .type = type,
                             .expires_at_ms = expires_at_ms});
          });
      if (!loaded.ok()) return with_repair_hint(loaded.error());
      if (loaded.value().seq != it->seq) {
        return status::corruption("snapshot " + it->path.string() + " holds seq " +
                                  std::to_string(loaded.value().seq) + " but its name says " +
                                  std::to_string(it->seq) + kRepairHint);
      }
      snapshot_seq_ = it->seq;
      last_seq_ = it->seq;
      last_file_ = it->path;
      result_.report.snapshot_seq = it->seq;
      result_.report.snapshot_entries = loaded.value().entries;
      return {};
    }
    return {};
  }

  // A log is named after the seq of its first record, and the snapshot or log before it must
  // reach the seq before that: a later name means that the changes between are gone, with the
  // file that held them.
  status check_log_follows(const numbered_file& wal) {
    if (wal.seq <= last_seq_ + 1) return {};
    const std::string before =
        last_file_.empty() ? "no snapshot or earlier log is left"
                           : last_file_.string() + " ends at seq " + std::to_string(last_seq_);
    if (status missing =
            missing_changes(wal.seq - 1, wal.path.string() + " starts at seq " +
                                             std::to_string(wal.seq) + " and " + before);
        !missing.ok()) {
      return missing;
    }
    last_seq_ = wal.seq - 1;  // so that the feed's seq goes on past the changes lost
    return {};
  }

  // Changes last_seq_ + 1 to `through` cannot be recovered: corruption, or with repair a
  // warning, and the repaired state is snapshotted.
  status missing_changes(std::uint64_t through, const std::string& where) {
    const std::string problem = "changes " + std::to_string(last_seq_ + 1) + " to " +
                                std::to_string(through) + " are missing: " + where;
    if (!repair_) return status::corruption(problem + kRepairHint);
    warn(problem);
    result_.report.repaired = true;
    return {};
  }

  // Repair mode: a damaged file is renamed, so that later starts do not trip on it again.
  void set_aside(const std::filesystem::path& path, const std::string& reason) {
    std::filesystem::path aside = path;
    aside += ".damaged";
    std::error_code error;
    std::filesystem::rename(path, aside, error);
    warn("put aside " + path.string() + " as " + aside.string() + ": " + reason);
    result_.report.repaired = true;
  }

  status replay_log(const numbered_file& wal) {
    auto opened = log_reader::open(wal.path, repair_);
    if (!opened.ok()) return opened.error();
    log_reader& reader = opened.value();
    const std::uint64_t replayed_before = result_.report.records_replayed;
    std::string payload;
    while (reader.read(payload)) {
      if (status replayed = replay_record(reader, payload); !replayed.ok()) return replayed;
    }
    for (const log_damage& damage : reader.skipped()) {
      warn("dropped " + std::to_string(damage.length) + " damaged bytes at offset " +
           std::to_string(damage.offset) + " of " + wal.path.string() + " (" + damage.reason + ")");
      result_.report.repaired = true;
    }
    switch (reader.end_kind()) {
      case log_end_kind::clean:
      case log_end_kind::torn_tail:
        break;
      case log_end_kind::corruption:
        return status::corruption("log " + wal.path.string() + " is damaged at offset " +
                                  std::to_string(reader.problem().offset) + " (" +
                                  reader.problem().reason + ") and has valid records after it" +
                                  kRepairHint);
      case log_end_kind::read_error:
        return {std::make_error_code(std::errc::io_error), reader.problem().reason};
    }
    if (!reader.skipped().empty() && result_.report.records_replayed == replayed_before) {
      // Nothing of it is in the sink: put it aside so that the next start is clean.
      set_aside(wal.path, "no valid record after dropping its damage");
      return {};
    }
    return keep_log(wal, reader);
  }

  // The log stays: its torn tail is cut, and it is synced, because it may have been read from
  // the page cache of a crashed process and the records recovered from it must not be lost.
  status keep_log(const numbered_file& wal, const log_reader& reader) {
    auto opened = open_file_(wal.path);
    if (!opened.ok()) return opened.error();
    writable_file& file = *opened.value();
    if (reader.end_kind() == log_end_kind::torn_tail) {
      if (status cut = file.truncate(reader.valid_size()); !cut.ok()) return cut;
      warn("cut a torn tail of " + std::to_string(reader.file_size() - reader.valid_size()) +
           " bytes at offset " + std::to_string(reader.valid_size()) + " of " + wal.path.string() +
           " (" + reader.problem().reason + ")");
    }
    if (status synced = file.sync(); !synced.ok()) return synced;
    result_.wal_files.push_back(wal);
    result_.wal_bytes += file.size();
    return {};
  }

  status replay_record(const log_reader& reader, const std::string& payload) {
    const auto where = [&] {
      return " at offset " + std::to_string(reader.record_offset()) + " of " +
             reader.path().string();
    };
    auto record = decode_wal_record(payload);
    if (!record || record->seq <= last_log_seq_) {
      const std::string problem = record ? "seq " + std::to_string(record->seq) + " after seq " +
                                               std::to_string(last_log_seq_)
                                         : std::string("a malformed record");
      if (!repair_) return status::corruption("log has " + problem + where() + kRepairHint);
      warn("dropped " + problem + where());
      result_.report.repaired = true;
      return {};
    }
    last_log_seq_ = record->seq;
    if (record->seq <= snapshot_seq_) return {};  // the snapshot holds it already
    if (record->seq != last_seq_ + 1) {
      if (status missing = missing_changes(
              record->seq - 1, "the next record is seq " + std::to_string(record->seq) + where());
          !missing.ok()) {
        return missing;
      }
    }
    last_seq_ = record->seq;
    ++result_.report.records_replayed;
    sink_(std::move(*record));
    return {};
  }

  void warn(std::string line) { result_.report.warnings.push_back(std::move(line)); }

  std::filesystem::path directory_;
  bool repair_;
  const replay_sink& sink_;
  const file_opener& open_file_;
  std::uint64_t snapshot_seq_ = 0;
  std::uint64_t last_seq_ = 0;       // of the recovered state
  std::uint64_t last_log_seq_ = 0;   // of the logs, which must only increase
  std::filesystem::path last_file_;  // the snapshot or log that recovered last_seq_
  recovered_partition result_;
};

}  // namespace

result<recovered_partition> recover_partition(const std::filesystem::path& directory, bool repair,
                                              const replay_sink& sink,
                                              const file_opener& open_file) {
  return partition_recovery(directory, repair, sink, open_file).run();
}

}  // namespace kv::storage
