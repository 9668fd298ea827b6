// The PostgreSQL change log's metrics (contract section 13), read from its counters at scrape
// time: kv_changelog_lag_events and the rest of the kv_changelog_ families.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

#include "sinks/changelog_backlog.hpp"

namespace kv::metrics {

class changelog_collector : public prometheus::Collectable {
 public:
  explicit changelog_collector(std::shared_ptr<const changelog::changelog_counters> counters);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const changelog::changelog_counters> counters_;
};

}  // namespace kv::metrics
