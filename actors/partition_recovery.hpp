// Loading one partition from its directory at start, on a recovery thread: the store and the
// open log that its actor then owns.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "actors/durability_options.hpp"
#include "core/partition_store.hpp"
#include "storage/partition_log.hpp"

namespace kv {

struct recovered_partition_data {
  partition_store store;
  std::optional<storage::partition_log> log;  // always set once recovered
  storage::recovery_report report;
};

// Replays the newest snapshot and the logs after it into a fresh store. When repair dropped
// damaged data, writes a snapshot before returning, so that the next start is clean. Errors
// name the file and the offset.
storage::result<std::shared_ptr<recovered_partition_data>> recover_partition_data(
    std::size_t partition_id, const durability_options& options);

}  // namespace kv
