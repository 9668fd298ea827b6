// A partition's whole map in one file: records in the log format (every fragment CRC-checked)
// ending in a trailer with the entry count, made visible atomically (write .tmp, fsync, rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/partition_store.hpp"
#include "storage/file.hpp"
#include "storage/log_writer.hpp"
#include "storage/status.hpp"

namespace kv::storage {

// What a snapshot keeps of a key; a partition_store scan with values yields exactly this.
using snapshot_entry = kv::scan_item;

class snapshot_writer {
 public:
  // Starts snapshot-<seq>.tmp in `directory`, emptied if an interrupted attempt left one.
  static result<std::unique_ptr<snapshot_writer>> create(const std::filesystem::path& directory,
                                                         std::uint64_t seq,
                                                         const file_opener& open_file);
  snapshot_writer(const snapshot_writer&) = delete;
  snapshot_writer& operator=(const snapshot_writer&) = delete;
  // An unpublished snapshot is removed: it must never be mistaken for a complete one.
  ~snapshot_writer();

  status add(std::string_view key, std::string_view value, std::uint64_t version,
             value_type type = value_type::bytes, std::int64_t expires_at_ms = 0);
  // Writes the trailer and fdatasyncs: complete on disk, still invisible to recovery.
  status finish();
  // Renames it to snapshot-<seq>.snap and fsyncs the directory: from here on it counts.
  status publish();

  std::uint64_t seq() const { return seq_; }
  const std::filesystem::path& final_path() const { return final_path_; }

 private:
  snapshot_writer(std::shared_ptr<writable_file> file, std::filesystem::path directory,
                  std::uint64_t seq);
  status add_batch();

  log_writer writer_;
  std::filesystem::path directory_;
  std::filesystem::path final_path_;
  std::uint64_t seq_;
  std::string batch_;  // several entries per record: small values would pay a header each
  std::uint64_t batch_entries_ = 0;
  std::uint64_t total_entries_ = 0;
  bool published_ = false;
};

// create, add every entry, finish: complete on disk, not yet published.
result<std::unique_ptr<snapshot_writer>> write_unpublished_snapshot(
    const std::filesystem::path& directory, std::uint64_t seq,
    std::span<const snapshot_entry> entries, const file_opener& open_file = open_posix_file);

// write_unpublished_snapshot, then publish.
status write_snapshot(const std::filesystem::path& directory, std::uint64_t seq,
                      std::span<const snapshot_entry> entries,
                      const file_opener& open_file = open_posix_file);

struct snapshot_summary {
  std::uint64_t seq = 0;
  std::uint64_t entries = 0;
};

using snapshot_entry_sink =
    std::function<void(std::string key, std::string value, std::uint64_t version, value_type type,
                       std::int64_t expires_at_ms)>;

// Every entry into `on_entry`, in key order; a snapshot of the format before typed values
// holds only bytes, and one of a format before expiry no deadlines. Any damage, a missing trailer
// or a wrong count is an error naming the file (and the offset when there is one); entries
// delivered before it was found must then be discarded.
result<snapshot_summary> read_snapshot(const std::filesystem::path& file,
                                       const snapshot_entry_sink& on_entry);

}  // namespace kv::storage
