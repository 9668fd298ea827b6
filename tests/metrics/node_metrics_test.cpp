// The node registry: key gauges from partition stats, build info, and one text rendering.
#include "metrics/node_metrics.hpp"

#include <gtest/gtest.h>

namespace kv::metrics {
namespace {

TEST(NodeMetricsTest, KeyGaugesFollowTheLatestStats) {
  node_metrics metrics(3, "9.9.9");
  std::vector<partition_info> partitions(3);
  for (std::size_t i = 0; i < 3; ++i) {
    partitions[i].id = i;
    partitions[i].keys = i * 10;
    partitions[i].bytes = i * 100;
    partitions[i].queue_depth = i;
  }
  metrics.update_partitions(partitions);
  std::string text = metrics.render();
  EXPECT_NE(text.find("\nkv_keys 30\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kv_partition_keys{partition=\"2\"} 20\n"), std::string::npos);
  EXPECT_NE(text.find("kv_partition_bytes{partition=\"1\"} 100\n"), std::string::npos);
  EXPECT_NE(text.find("kv_partition_queue_depth{partition=\"2\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("kv_build_info{version=\"9.9.9\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);

  partitions[2].keys = 0;
  metrics.update_partitions(partitions);
  text = metrics.render();
  EXPECT_NE(text.find("\nkv_keys 10\n"), std::string::npos);
  EXPECT_NE(text.find("kv_partition_keys{partition=\"2\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace kv::metrics
