// Recovery of one partition into a partition_store: log records are applied as they are, with
// the version they carry, and a repaired partition is snapshotted at once.
#include "actors/partition_recovery.hpp"

#include "storage/partition_files.hpp"

namespace kv {
namespace {

void apply_record(partition_store& store, storage::wal_record&& record) {
  if (record.op == storage::wal_op::erase || record.op == storage::wal_op::expire) {
    return store.remove(record.key);
  }
  store.set(record.key, shared_bytes::copy_of(record.value), record.version, record.type,
            record.expires_at_ms);
}

// The whole map, written now: the damage repair skipped is still in the files until then.
storage::status snapshot_everything(const partition_store& store, storage::partition_log& log) {
  auto plan = log.begin_snapshot();
  if (!plan.ok()) return plan.error();
  scan_query everything;
  everything.limit = SIZE_MAX;
  everything.with_values = true;
  everything.include_expired = true;
  auto task = log.prepare_snapshot(plan.value(), store.scan(everything).items);
  if (!task.ok()) return task.error();
  const storage::status written = task.value().run();
  log.finish_snapshot(written);
  return written;
}

}  // namespace

storage::result<std::shared_ptr<recovered_partition_data>> recover_partition_data(
    std::size_t partition_id, const durability_options& options) {
  auto data = std::make_shared<recovered_partition_data>();
  storage::partition_log_options log_options;
  log_options.directory = storage::partition_directory(options.data_dir, partition_id);
  log_options.fsync = options.fsync;
  log_options.repair = options.repair;
  log_options.snapshot_log_multiple = options.snapshot_log_multiple;
  log_options.snapshot_min_log_bytes = options.snapshot_min_log_bytes;
  log_options.open_file = options.open_file;
  partition_store& store = data->store;
  auto opened = storage::partition_log::open(
      std::move(log_options),
      [&store](storage::wal_record&& record) { apply_record(store, std::move(record)); },
      data->report);
  if (!opened.ok()) return opened.error();
  data->log.emplace(std::move(opened.value()));
  if (data->report.repaired) {
    if (storage::status written = snapshot_everything(store, *data->log); !written.ok()) {
      return written;
    }
  }
  return data;
}

}  // namespace kv
