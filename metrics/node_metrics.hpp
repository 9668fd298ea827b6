// The node's Prometheus registry: build info, the store's key gauges and the process metrics,
// rendered in the text exposition format. Transports add their own families to registry().
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

#include "actors/store_api.hpp"
#include "metrics/process_collector.hpp"

namespace kv::metrics {

class node_metrics {
 public:
  node_metrics(std::size_t partition_count, const std::string& version);

  prometheus::Registry& registry() { return *registry_; }

  // Sets kv_keys and the per-partition gauges from a fresh stats answer, just before a scrape.
  void update_partitions(const std::vector<partition_info>& partitions);

  // Metrics read at scrape time from elsewhere (the change feed's counters). Call before the
  // first render: the list is not locked.
  void add_collectable(std::shared_ptr<prometheus::Collectable> collectable);

  // Everything, in text format 0.0.4.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  process_collector process_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  prometheus::Gauge& keys_;
  std::vector<prometheus::Gauge*> partition_keys_;
  std::vector<prometheus::Gauge*> partition_bytes_;
  std::vector<prometheus::Gauge*> partition_queue_;
};

}  // namespace kv::metrics
