// A router actor: takes the operations of store_api that span partitions, asks each partition
// involved with a timeout, and merges the answers. Stateless, so several run side by side.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "core/routing_table.hpp"

namespace kv {

struct partition_map {
  routing_table table;
  std::vector<caf::actor> partitions;  // partitions[i] owns table.range_of(i)
};

caf::actor spawn_router(caf::actor_system& system, std::shared_ptr<const partition_map> map,
                        std::chrono::milliseconds request_timeout);

}  // namespace kv
