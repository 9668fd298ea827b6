// Rows are applied as the partitions applied them: a put sets the key with the version, type
// and deadline it had, a delete or expiry removes it. A key whose deadline has passed by now is
// kept with that deadline: the recovery after the restore removes it with its expire event,
// as for any key that expired while its node was down.
#include "sinks/restore.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "core/typed_text.hpp"
#include "core/value_type.hpp"
#include "sinks/change_row.hpp"
#include "storage/data_layout.hpp"
#include "storage/file.hpp"
#include "storage/partition_files.hpp"
#include "storage/snapshot.hpp"

namespace kv::changelog {

restore_builder::restore_builder(routing_table table)
    : table_(std::move(table)),
      stores_(table_.partition_count()),
      counts_(table_.partition_count()) {}

void restore_builder::apply(stored_change&& row) {
  const std::string where = "kv_changes row with rev " + std::to_string(row.rev);
  if (row.rev <= last_rev_) throw restore_error(where + ": revs out of order");
  if (row.rev > last_rev_ + 1) holes_.push_back({last_rev_ + 1, row.rev - 1});
  last_rev_ = row.rev;
  ++rows_;
  if (row.key.empty()) throw restore_error(where + ": no key");
  const std::size_t partition = table_.partition_for(row.key);
  ++counts_[partition];
  partition_store& store = stores_[partition];
  const auto op = op_from_name(row.op);
  if (!op) throw restore_error(where + ": unknown op `" + row.op + "`");
  if (*op != change_op::put) return store.remove(row.key);
  if (!row.value) throw restore_error(where + ": a put without a value");
  const auto type = row.type ? type_from_name(*row.type) : std::optional(value_type::bytes);
  if (!type) throw restore_error(where + ": unknown type `" + *row.type + "`");
  if (row.version == 0) throw restore_error(where + ": a put without a version");
  std::string value = std::move(*row.value);
  if (*type != value_type::bytes) {
    try {
      value = canonical_text(*type, value);
    } catch (const bad_typed_text& error) {
      throw restore_error(where + ": " + error.what() + " of type " +
                          std::string(type_name(*type)));
    }
  }
  store.set(row.key, shared_bytes::copy_of(value), row.version, *type, row.expires_at_ms);
}

std::size_t restore_builder::keys() const {
  std::size_t total = 0;
  for (const auto& store : stores_) total += store.key_count();
  return total;
}

std::vector<std::uint64_t> restore_builder::partition_seqs() const {
  std::vector<std::uint64_t> seqs = counts_;
  seqs[0] += missing();
  return seqs;
}

std::string describe_holes(const std::vector<rev_range>& holes, std::size_t shown) {
  std::string text = "revs ";
  for (std::size_t i = 0; i < holes.size() && i < shown; ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(holes[i].first) + " to " + std::to_string(holes[i].last);
  }
  if (holes.size() > shown) text += " and " + std::to_string(holes.size() - shown) + " more";
  return text;
}

std::optional<std::string> restore_target_problem(const std::filesystem::path& data_dir) {
  std::error_code error;
  const auto status = std::filesystem::status(data_dir, error);
  if (status.type() == std::filesystem::file_type::not_found) return std::nullopt;
  if (error) return data_dir.string() + ": " + error.message();
  if (status.type() != std::filesystem::file_type::directory) {
    return data_dir.string() + " is not a directory";
  }
  if (!std::filesystem::is_empty(data_dir, error)) {
    return error ? data_dir.string() + ": " + error.message()
                 : data_dir.string() +
                       " is not empty: --restore-from-postgres only fills an "
                       "empty data directory (move it away or empty it first)";
  }
  return std::nullopt;
}

namespace {

storage::status write_marker(const std::filesystem::path& marker) {
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return storage::status::from_errno(errno, "create " + marker.string());
  const storage::unique_fd owned(fd);
  constexpr std::string_view text =
      "kvnode --restore-from-postgres is writing this data directory; while this file is here it "
      "is incomplete.\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0) {
    return storage::status::from_errno(errno, "write " + marker.string());
  }
  return {};
}

}  // namespace

storage::status write_restored_data_dir(const std::filesystem::path& data_dir,
                                        const restore_builder& built) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) return {error, "create " + data_dir.string() + ": " + error.message()};
  const auto marker = data_dir / restoring_marker;
  if (auto written = write_marker(marker); !written.ok()) return written;
  if (auto synced = storage::sync_directory(data_dir); !synced.ok()) return synced;
  auto layout = storage::check_data_layout(data_dir, built.table(), false);
  if (!layout.ok()) return layout.error();
  const auto seqs = built.partition_seqs();
  for (std::size_t id = 0; id < seqs.size(); ++id) {
    if (seqs[id] == 0) continue;  // nothing ever happened there: an empty partition
    scan_query everything;
    everything.limit = SIZE_MAX;
    everything.with_values = true;
    everything.include_expired = true;
    const auto entries = built.store(id).scan(everything).items;
    if (auto written =
            storage::write_snapshot(storage::partition_directory(data_dir, id), seqs[id], entries);
        !written.ok()) {
      return written;
    }
  }
  std::filesystem::remove(marker, error);
  if (error) return {error, "remove " + marker.string() + ": " + error.message()};
  return storage::sync_directory(data_dir);
}

}  // namespace kv::changelog
