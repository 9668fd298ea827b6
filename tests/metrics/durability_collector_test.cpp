// The write-ahead log's metrics as Prometheus renders them: a cumulative fsync histogram and
// the counters, with both snapshot results present from the start.
#include "metrics/durability_collector.hpp"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace kv::metrics {
namespace {

std::string render(const durability_collector& collector) {
  return prometheus::TextSerializer().Serialize(collector.Collect());
}

TEST(DurabilityCollectorTest, FsyncsFallIntoCumulativeBucketsAndCountersAreRendered) {
  auto counters = std::make_shared<durability_counters>();
  const durability_collector collector(counters);
  std::string text = render(collector);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_count 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kv_snapshots_total{result=\"failed\"} 0\n"), std::string::npos) << text;

  counters->count_fsync(std::chrono::microseconds(50));   // first bucket (0.0001)
  counters->count_fsync(std::chrono::microseconds(300));  // 0.0005
  counters->count_fsync(std::chrono::microseconds(300));  // 0.0005
  counters->count_fsync(std::chrono::seconds(10));        // above every bound
  counters->bytes_written += 4096;
  counters->writes_failed += 2;
  counters->snapshots_written += 3;
  text = render(collector);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_bucket{le=\"0.0001\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_bucket{le=\"0.00025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_bucket{le=\"0.0005\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_bucket{le=\"2.5\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_count 4\n"), std::string::npos);
  EXPECT_NE(text.find("kv_wal_fsync_duration_seconds_sum 10.00065\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kv_wal_bytes_total 4096\n"), std::string::npos);
  EXPECT_NE(text.find("kv_wal_write_failures_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("kv_snapshots_total{result=\"ok\"} 3\n"), std::string::npos);
}

}  // namespace
}  // namespace kv::metrics
