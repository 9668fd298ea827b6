// The write-ahead log's metrics, read from the partitions' counters at scrape time:
// kv_wal_fsync_duration_seconds, kv_wal_bytes_total, kv_wal_write_failures_total and
// kv_snapshots_total{result}.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

#include "actors/durability_counters.hpp"

namespace kv::metrics {

class durability_collector : public prometheus::Collectable {
 public:
  explicit durability_collector(std::shared_ptr<const durability_counters> counters);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const durability_counters> counters_;
};

}  // namespace kv::metrics
