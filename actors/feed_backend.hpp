// What feed_api talks to: the broker, and the actor system that publishers are spawned in.
// Shared by feed_api.cpp and store_runtime.cpp.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <memory>

#include "actors/feed_api.hpp"

namespace kv {

class feed_api::backend {
 public:
  backend(caf::actor_system& system, caf::actor broker, std::shared_ptr<feed_counters> counters)
      : system_(system), broker_(std::move(broker)), counters_(std::move(counters)) {}

  caf::actor_system& system() const { return system_; }
  const caf::actor& broker() const { return broker_; }
  const std::shared_ptr<feed_counters>& counters() const { return counters_; }

 private:
  caf::actor_system& system_;
  caf::actor broker_;
  std::shared_ptr<feed_counters> counters_;
};

}  // namespace kv
