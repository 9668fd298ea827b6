// The files in one partition's directory and their names: wal-<first seq>.log,
// snapshot-<seq>.snap and snapshot-<seq>.tmp, seqs as 20 digits so names sort as numbers do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "storage/status.hpp"

namespace kv::storage {

std::filesystem::path partition_directory(const std::filesystem::path& data_dir,
                                          std::size_t partition_id);
// The log file whose first record has seq `first_seq`.
std::filesystem::path wal_path(const std::filesystem::path& directory, std::uint64_t first_seq);
// The snapshot holding every change up to `seq`, and its name while being written.
std::filesystem::path snapshot_path(const std::filesystem::path& directory, std::uint64_t seq);
std::filesystem::path snapshot_temp_path(const std::filesystem::path& directory, std::uint64_t seq);

struct numbered_file {
  std::uint64_t seq = 0;
  std::filesystem::path path;
};

struct partition_files {
  std::vector<numbered_file> wal_files;                      // by first seq, ascending
  std::vector<numbered_file> snapshots;                      // by seq, ascending
  std::vector<std::filesystem::path> interrupted_snapshots;  // .tmp files
};

// Files with other names are left alone.
result<partition_files> list_partition_files(const std::filesystem::path& directory);

}  // namespace kv::storage
