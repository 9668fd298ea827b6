// The standard process_* metrics (memory, CPU, start time, file descriptors), read from /proc
// at scrape time, as the official Prometheus clients export them.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace kv::metrics {

class process_collector : public prometheus::Collectable {
 public:
  // `proc_self` is /proc/self, or a fixture directory in tests.
  explicit process_collector(std::string proc_self = "/proc/self",
                             std::string proc_stat = "/proc/stat");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string proc_self_;
  std::string proc_stat_;
};

}  // namespace kv::metrics
