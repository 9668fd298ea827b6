// A partition actor: owns the data of one key range and serves it by message, one message at
// a time, so the data needs no lock.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <cstddef>

namespace kv {

// Every write or delete it applies goes to `broker` as an applied_change, numbered by its
// own seq; conflicts and deletes of missing keys change nothing and send nothing.
caf::actor spawn_partition(caf::actor_system& system, std::size_t id, caf::actor broker);

}  // namespace kv
