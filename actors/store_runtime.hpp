// Owns the actor system of a node and the partition, router and feed actors in it, and hands
// out the store_api and feed_api that transports use. Destroying it stops every actor and joins
// the workers.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/durability_counters.hpp"
#include "actors/durability_options.hpp"
#include "actors/feed_api.hpp"
#include "actors/feed_options.hpp"
#include "actors/store_api.hpp"
#include "core/routing_table.hpp"
#include "cluster/replicated_log.hpp"
#include "storage/status.hpp"

namespace kv {

struct store_runtime_options {
  routing_table table = routing_table::equal_width(16);
  std::size_t worker_threads = 2;  // CAF scheduler workers
  std::size_t routers = 2;         // router actors, so no single actor serialises all requests
  std::chrono::milliseconds request_timeout{5000};
  // Set for persistence = "wal": partitions log their writes, once recover() has run.
  std::optional<durability_options> durability;
  // Cluster mode (contract section 11): this member's id. Partitions then apply only what the
  // cluster applier hands them from the raft log (actors/cluster_applier.hpp).
  std::optional<std::uint32_t> cluster_node_id;
};

struct recovery_summary {
  std::size_t keys = 0;
  std::uint64_t last_rev = 0;  // the change feed goes on at last_rev + 1
  std::vector<std::string> warnings;
};

class store_runtime {
 public:
  explicit store_runtime(store_runtime_options options, feed_options feed = {});
  ~store_runtime();
  store_runtime(const store_runtime&) = delete;
  store_runtime& operator=(const store_runtime&) = delete;

  store_api api() const;
  feed_api feed() const;

  // With durability: loads every partition from disk, in parallel, and hands each its log.
  // Blocking; call once, before any key request (partitions serve an empty store until then).
  // The error names the file and offset.
  storage::result<recovery_summary> recover();
  // With durability: every partition writes and fsyncs its log, whatever the fsync mode. For
  // shutdown, once no request is in flight. False when a partition could not.
  bool sync_logs();
  // With durability: what the logs have done, for the metrics; null without.
  std::shared_ptr<const durability_counters> log_counters() const;

  // Cluster mode: the gate store_api writes through, and the hooks the raft log feeds.
  std::shared_ptr<class cluster_gate> cluster_gate() const;
  cluster::log_hooks cluster_hooks();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kv
