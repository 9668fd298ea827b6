// One family per metric; both snapshot results have a series from the first scrape, so that a
// rate() over failures works before the first one.
#include "metrics/durability_collector.hpp"

#include <limits>

#include "metrics/series.hpp"

namespace kv::metrics {
namespace {

prometheus::ClientMetric counter(double value,
                                 std::vector<prometheus::ClientMetric::Label> labels = {}) {
  return series(value, prometheus::MetricType::Counter, std::move(labels));
}

prometheus::ClientMetric fsync_histogram(const durability_counters& c) {
  prometheus::ClientMetric metric;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < durability_counters::fsync_bounds.size(); ++i) {
    cumulative += c.fsyncs[i].load(std::memory_order_relaxed);
    metric.histogram.bucket.push_back({cumulative, durability_counters::fsync_bounds[i]});
  }
  cumulative += c.fsyncs.back().load(std::memory_order_relaxed);
  metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = read(c.fsync_nanoseconds) / 1e9;
  return metric;
}

}  // namespace

durability_collector::durability_collector(std::shared_ptr<const durability_counters> counters)
    : counters_(std::move(counters)) {}

std::vector<prometheus::MetricFamily> durability_collector::Collect() const {
  using prometheus::MetricType;
  const durability_counters& c = *counters_;
  return {
      {"kv_wal_fsync_duration_seconds",
       "fdatasync of a partition's log, each shared by the writes it made durable.",
       MetricType::Histogram,
       {fsync_histogram(c)}},
      {"kv_wal_bytes_total",
       "Bytes of log records written to the OS.",
       MetricType::Counter,
       {counter(read(c.bytes_written))}},
      {"kv_wal_write_failures_total",
       "Writes answered 503 because their log record could not be written or fsynced.",
       MetricType::Counter,
       {counter(read(c.writes_failed))}},
      {"kv_snapshots_total",
       "Partition snapshots written, or given up after an error.",
       MetricType::Counter,
       {counter(read(c.snapshots_written), {{"result", "ok"}}),
        counter(read(c.snapshots_failed), {{"result", "failed"}})}},
  };
}

}  // namespace kv::metrics
