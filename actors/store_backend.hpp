// What store_api talks to: the partitions for one key, the routers for the rest.
// Shared by store_api.cpp and store_runtime.cpp.
#pragma once

#include <caf/actor.hpp>
#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "actors/cluster_gate.hpp"
#include "actors/router.hpp"
#include "actors/store_api.hpp"

namespace kv {

class store_api::backend {
 public:
  backend(std::shared_ptr<const partition_map> partitions, std::vector<caf::actor> routers,
          std::chrono::milliseconds timeout, std::shared_ptr<cluster_gate> gate = nullptr)
      : partitions_(std::move(partitions)),
        routers_(std::move(routers)),
        timeout_(timeout),
        gate_(std::move(gate)) {}

  // Cluster mode: writes go through the raft log, reads wait for it; null when standalone.
  cluster_gate* gate() const { return gate_.get(); }

  // The routing table is immutable, so any thread may look a key up without a lock.
  const caf::actor& partition_for(std::string_view key) const {
    return partitions_->partitions[partitions_->table.partition_for(key)];
  }
  std::size_t partition_index(std::string_view key) const {
    return partitions_->table.partition_for(key);
  }
  const caf::actor& partition_at(std::size_t index) const {
    return partitions_->partitions[index];
  }
  std::size_t partition_count() const { return partitions_->partitions.size(); }
  // Each calling thread keeps to one router, so threads do not contend for one mailbox.
  const caf::actor& router_for_this_thread() const;
  std::chrono::steady_clock::time_point deadline() const {
    return std::chrono::steady_clock::now() + timeout_;
  }

 private:
  std::shared_ptr<const partition_map> partitions_;
  std::vector<caf::actor> routers_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<cluster_gate> gate_;
};

}  // namespace kv
