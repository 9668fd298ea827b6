// A partition actor: owns the data of one key range and serves it by message, one message at
// a time, so the data needs no lock.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <cstddef>

namespace kv {

class heap_trimmer;

// Every write or delete it applies goes to `broker` as an applied_change, numbered by its
// own seq; conflicts and deletes of missing keys change nothing and send nothing.
// `replicated` (cluster mode): writes arrive only from the cluster applier, in log order, each
// with the leader's timestamp; the partition reads no clock to decide a write and runs no sweep
// of its own (the leader's replicated_sweep commands remove expired keys), so every member
// applies every write identically and assigns the same seq.
// `trimmer` (which must outlive the actor) is asked to hand memory back after large sweeps.
caf::actor spawn_partition(caf::actor_system& system, std::size_t id, caf::actor broker,
                           heap_trimmer& trimmer, bool replicated = false);

}  // namespace kv
