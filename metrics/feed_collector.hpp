// The change feed's metrics (contract section 5), read from the feed's counters at scrape time:
// kv_feed_events_total, kv_feed_dropped_total{transport} and kv_feed_subscribers{transport}.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

#include "actors/feed_api.hpp"

namespace kv::metrics {

// The node publishes over ZeroMQ and streams over HTTP (SSE); this maps the feed's counters to
// those transport labels.
class feed_collector : public prometheus::Collectable {
 public:
  explicit feed_collector(std::shared_ptr<const feed_counters> counters);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const feed_counters> counters_;
};

}  // namespace kv::metrics
