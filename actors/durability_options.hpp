// What a node with persistence = "wal" tells its partitions: where their logs live, when to
// fsync and snapshot, and whether recovery may drop damaged data.
#pragma once

#include <cstdint>
#include <filesystem>

#include "storage/file.hpp"
#include "storage/fsync_policy.hpp"

namespace kv {

struct durability_options {
  std::filesystem::path data_dir;  // partition i keeps its files in data_dir/partition-<i>
  storage::fsync_mode fsync = storage::fsync_mode::everysec;
  bool repair = false;  // kvnode --repair
  double snapshot_log_multiple = 4.0;
  std::uint64_t snapshot_min_log_bytes = std::uint64_t{16} << 20;
  // Tests swap in files that fail, to see a full disk answered with 503.
  storage::file_opener open_file = storage::open_posix_file;
};

}  // namespace kv
