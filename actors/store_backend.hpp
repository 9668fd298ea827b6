// What store_api talks to: the router actors. Shared by store_api.cpp and store_runtime.cpp.
#pragma once

#include <caf/actor.hpp>
#include <vector>

#include "actors/store_api.hpp"

namespace kv {

class store_api::backend {
 public:
  explicit backend(std::vector<caf::actor> routers) : routers_(std::move(routers)) {}

  // Each calling thread keeps to one router, so threads do not contend for one mailbox.
  const caf::actor& router_for_this_thread() const;

 private:
  std::vector<caf::actor> routers_;
};

}  // namespace kv
