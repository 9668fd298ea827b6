// A watcher actor: one per watch stream. It owns the stream's output and a bounded queue of
// the events its client has not taken yet, writes one chunk at a time, and closes the stream
// when the client stops reading, so a slow client costs the node a bounded amount of memory.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <memory>

#include "actors/feed_api.hpp"
#include "actors/feed_options.hpp"

namespace kv {

// Spawned by the broker, which feeds it; it asks `broker` for replay pages.
caf::actor spawn_watcher(caf::actor_system& system, caf::actor broker,
                         std::shared_ptr<watch_output> output, const feed_options& options,
                         std::shared_ptr<feed_counters> counters);

}  // namespace kv
