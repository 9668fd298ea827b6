// Actor system set-up and orderly shutdown.
#include "actors/store_runtime.hpp"

#include <caf/all.hpp>

#include "actors/broker.hpp"
#include "actors/feed_backend.hpp"
#include "actors/partition.hpp"
#include "actors/router.hpp"
#include "actors/store_backend.hpp"

namespace kv {
namespace {

caf::actor_system_config make_config(std::size_t worker_threads) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", worker_threads);
  // 'sharing' answers a round trip from a non-actor thread in about a quarter of the time of
  // 'stealing' and idles at no CPU; docs/performance.md has the measurement.
  config.set("scheduler.policy", caf::atom("sharing"));
  return config;
}

}  // namespace

struct store_runtime::impl {
  impl(store_runtime_options& options, const feed_options& feed)
      : config(make_config(options.worker_threads)), system(config) {
    auto counters = std::make_shared<feed_counters>();
    broker = spawn_broker(system, feed, counters);
    feed_backend = std::make_shared<feed_api::backend>(system, broker, std::move(counters));
    auto map = std::make_shared<partition_map>(partition_map{std::move(options.table), {}});
    for (std::size_t i = 0; i < map->table.partition_count(); ++i) {
      map->partitions.push_back(spawn_partition(system, i, broker));
    }
    std::vector<caf::actor> routers;
    for (std::size_t i = 0; i < options.routers; ++i) {
      routers.push_back(spawn_router(system, map, options.request_timeout));
    }
    partitions = map->partitions;
    backend = std::make_shared<store_api::backend>(map, routers, options.request_timeout);
    this->routers = std::move(routers);
  }

  ~impl() {
    // ~actor_system waits for every actor, so each must be told to exit first.
    for (const auto& actor : routers) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    for (const auto& actor : partitions) {
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    }
    // Takes the watchers and publishers down with it.
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  }

  caf::actor_system_config config;
  caf::actor_system system;
  std::vector<caf::actor> partitions;
  std::vector<caf::actor> routers;
  caf::actor broker;
  std::shared_ptr<store_api::backend> backend;
  std::shared_ptr<feed_api::backend> feed_backend;
};

store_runtime::store_runtime(store_runtime_options options, feed_options feed)
    : impl_(std::make_unique<impl>(options, feed)) {}

store_runtime::~store_runtime() = default;

store_api store_runtime::api() const {
  return store_api(impl_->backend);
}

feed_api store_runtime::feed() const {
  return feed_api(impl_->feed_backend);
}

}  // namespace kv
