// A partition actor: owns the data of one key range and serves it by message, one message at
// a time, so the data needs no lock.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace kv {

caf::actor spawn_partition(caf::actor_system& system);

}  // namespace kv
