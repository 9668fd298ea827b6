// --restore-from-postgres: the store rebuilt from kv_changes, rows applied in rev order, then
// written as a data directory that the normal recovery reads (one snapshot per partition), so
// that nothing about serving it is new. Pure but for the files: the rows come from
// postgres_changelog.hpp, or from a test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/partition_store.hpp"
#include "core/routing_table.hpp"
#include "sinks/changelog_backlog.hpp"
#include "sinks/postgres_changelog.hpp"
#include "storage/status.hpp"

namespace kv::changelog {

// A row that cannot be applied: the message names its rev.
class restore_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file that marks a data directory being restored: a node refuses to start on it, so that
// an interrupted restore is never served as if it were whole.
inline constexpr const char* restoring_marker = "RESTORING";

class restore_builder {
 public:
  explicit restore_builder(routing_table table);

  // Rows must come in ascending rev order. Throws restore_error on an unknown op or type, a
  // put without a value, a value that does not parse as its type, or revs out of order.
  void apply(stored_change&& row);

  std::uint64_t rows() const { return rows_; }
  std::uint64_t last_rev() const { return last_rev_; }
  // Revs from 1 to last_rev() that no row has: each a gap, recorded or not.
  const std::vector<rev_range>& holes() const { return holes_; }
  std::uint64_t missing() const { return last_rev_ - rows_; }
  std::size_t keys() const;

  // Each partition's seq after the restore: the number of rows of its keys, with the missing
  // revs added to partition 0, so that the node's rev (their sum) goes on at last_rev() + 1.
  std::vector<std::uint64_t> partition_seqs() const;
  const partition_store& store(std::size_t partition) const { return stores_[partition]; }
  const routing_table& table() const { return table_; }

 private:
  routing_table table_;
  std::vector<partition_store> stores_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t rows_ = 0;
  std::uint64_t last_rev_ = 0;
  std::vector<rev_range> holes_;
};

// "revs 5 to 9, 20 to 20" for at most `shown` holes, then "and N more".
std::string describe_holes(const std::vector<rev_range>& holes, std::size_t shown = 5);

// Why `data_dir` cannot be restored into: it exists and is not an empty directory.
std::optional<std::string> restore_target_problem(const std::filesystem::path& data_dir);

// Writes the restored data directory: the RESTORING marker, LAYOUT and the partition
// directories, a snapshot per partition at its seq, then removes the marker. `data_dir` must be
// empty or missing. On failure the message names the file.
storage::status write_restored_data_dir(const std::filesystem::path& data_dir,
                                        const restore_builder& built);

}  // namespace kv::changelog
