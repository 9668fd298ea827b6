// A publisher actor: a detached actor, so one thread of its own, that creates an
// event_publisher on that thread and hands it every event the broker sends. Transports whose
// resources must stay on one thread (a ZeroMQ socket) are used only from there.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <memory>

#include "actors/feed_api.hpp"

namespace kv {

// Waits until `make` has run on the new thread and rethrows what it threw; the actor has
// exited then. Events some subscriber could not take are counted in
// counters->publisher_dropped.
caf::actor spawn_publisher(caf::actor_system& system, publisher_factory make,
                           std::shared_ptr<feed_counters> counters);

}  // namespace kv
