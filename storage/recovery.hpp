// Rebuilding one partition from its directory at start: the newest snapshot, then every later
// log record, in order, into a sink. Torn tails are cut with a warning; corruption and changes
// gone missing (a gap in the seqs) are refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "storage/file.hpp"
#include "storage/partition_files.hpp"
#include "storage/status.hpp"
#include "storage/wal_record.hpp"

namespace kv::storage {

// Receives the recovered state in order: the snapshot's entries (puts whose seq is the
// snapshot's), then each later log record. Each carries the key's resulting version, so apply
// it as it is (set or remove), with no version check.
using replay_sink = std::function<void(wal_record&& record)>;

struct recovery_report {
  std::uint64_t last_seq = 0;      // the change feed goes on at last_seq + 1
  std::uint64_t snapshot_seq = 0;  // 0: no snapshot
  std::uint64_t snapshot_entries = 0;
  std::uint64_t records_replayed = 0;
  std::vector<std::string> warnings;  // one line each, naming the file
  // Repair mode dropped damaged data. The damage is still in the files: write a snapshot
  // before serving, so that the next start does not need --repair again.
  bool repaired = false;
};

struct recovered_partition {
  recovery_report report;
  std::vector<numbered_file> wal_files;  // the logs the snapshot does not cover, ascending
  std::uint64_t wal_bytes = 0;           // their total size after tails were cut
};

// Creates `directory` when missing. An error (corruption or missing changes without repair, an
// unreadable file) names the file, and the offset or the seqs; whatever reached the sink before
// it must be discarded.
result<recovered_partition> recover_partition(const std::filesystem::path& directory, bool repair,
                                              const replay_sink& sink,
                                              const file_opener& open_file = open_posix_file);

}  // namespace kv::storage
