// A publisher actor: creates an event_publisher and hands it every event the broker sends. It
// runs on the scheduler's workers like any actor, one message at a time.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <memory>

#include "actors/feed_api.hpp"

namespace kv {

// Not a detached actor: a thread of its own woke once per broker message, and an unpipelined
// RESP SET took 18-60% more CPU (docs/performance.md, "The publisher on the scheduler"). A ZeroMQ
// socket may move between threads after a full memory fence (zmq_socket(3)), so the actor
// issues one before each use of the publisher and before destroying it.
//
// Waits until `make` has run and rethrows what it threw; the actor has exited then. Events
// some subscriber could not take are counted in counters->publisher_dropped.
caf::actor spawn_publisher(caf::actor_system& system, publisher_factory make,
                           std::shared_ptr<feed_counters> counters);

}  // namespace kv
