// The broker actor: the one place where the change feed is put in order. Partitions send it
// every change they apply; it stamps the node-wide rev, builds the event once, keeps the
// history for resuming watchers, and fans each event out to the publishers and the watchers.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <memory>

#include "actors/feed_api.hpp"
#include "actors/feed_options.hpp"

namespace kv {

// When the broker exits, the watchers and publishers it feeds exit with it.
caf::actor spawn_broker(caf::actor_system& system, const feed_options& options,
                        std::shared_ptr<feed_counters> counters);

}  // namespace kv
