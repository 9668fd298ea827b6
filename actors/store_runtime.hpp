// Owns the actor system of a node and the partition, router and feed actors in it, and hands
// out the store_api and feed_api that transports use. Destroying it stops every actor and joins
// the workers.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "actors/feed_api.hpp"
#include "actors/feed_options.hpp"
#include "actors/store_api.hpp"
#include "core/routing_table.hpp"

namespace kv {

struct store_runtime_options {
  routing_table table = routing_table::equal_width(16);
  std::size_t worker_threads = 2;  // CAF scheduler workers
  std::size_t routers = 2;         // router actors, so no single actor serialises all requests
  std::chrono::milliseconds request_timeout{5000};
};

class store_runtime {
 public:
  explicit store_runtime(store_runtime_options options, feed_options feed = {});
  ~store_runtime();
  store_runtime(const store_runtime&) = delete;
  store_runtime& operator=(const store_runtime&) = delete;

  store_api api() const;
  feed_api feed() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kv
