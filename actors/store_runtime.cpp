// Actor system set-up and orderly shutdown.
#include "actors/store_runtime.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <thread>

#include "actors/broker.hpp"
#include "actors/cluster_applier.hpp"
#include "actors/feed_backend.hpp"
#include "actors/feed_messages.hpp"
#include "actors/heap_trimmer.hpp"
#include "actors/messages.hpp"
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

// Threads for fsyncs: mostly waiting on the disk, so more than the cores, and enough that one
// partition's slow fsync does not hold up the others'. Snapshots are written one at a time.
constexpr std::size_t max_sync_threads = 8;

// How often the allocator's free pages are looked at, and how many stay for reuse: a burst of
// large values can leave a hundred megabytes free that an idle node would otherwise keep.
constexpr std::chrono::seconds heap_trim_period{1};
constexpr std::size_t heap_reserve_bytes = 16 << 20;

}  // namespace

struct store_runtime::impl {
  impl(store_runtime_options& options, const feed_options& feed)
      : config(make_config(options.worker_threads)),
        system(config),
        durability(std::move(options.durability)) {
    auto counters = std::make_shared<feed_counters>();
    broker = spawn_broker(system, feed, counters);
    feed_backend = std::make_shared<feed_api::backend>(system, broker, std::move(counters));
    auto map = std::make_shared<partition_map>(partition_map{std::move(options.table), {}});
    const bool replicated = options.cluster_node_id.has_value();
    for (std::size_t i = 0; i < map->table.partition_count(); ++i) {
      map->partitions.push_back(spawn_partition(system, i, broker, trimmer, replicated));
    }
    if (replicated) {
      gate = std::make_shared<kv::cluster_gate>(*options.cluster_node_id, options.request_timeout);
      applier = spawn_cluster_applier(system, map, broker, gate);
    }
    std::vector<caf::actor> routers;
    for (std::size_t i = 0; i < options.routers; ++i) {
      routers.push_back(spawn_router(system, map, options.request_timeout));
    }
    partitions = map->partitions;
    backend = std::make_shared<store_api::backend>(map, routers, options.request_timeout, gate);
    this->routers = std::move(routers);
    if (durability) {
      log_counters = std::make_shared<durability_counters>();
      sync_pool.emplace(std::min(partitions.size(), max_sync_threads));
      snapshot_pool.emplace(1);
    }
  }

  ~impl() {
    // ~actor_system waits for every actor, so each must be told to exit first.
    for (const auto& actor : routers) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    if (applier) caf::anon_send_exit(applier, caf::exit_reason::user_shutdown);
    for (const auto& actor : partitions) {
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    }
    if (durability) {
      // A partition still running could post work to the pools after they are gone.
      caf::scoped_actor self(system);
      self->wait_for(partitions);
    }
    // Takes the watchers and publishers down with it.
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  }

  // Declared first, so destroyed last: the partitions hold it until the actor system is gone.
  heap_trimmer trimmer{heap_trim_period, heap_reserve_bytes};
  caf::actor_system_config config;
  caf::actor_system system;
  std::vector<caf::actor> partitions;
  std::vector<caf::actor> routers;
  caf::actor broker;
  std::shared_ptr<kv::cluster_gate> gate;
  caf::actor applier;
  std::shared_ptr<store_api::backend> backend;
  std::shared_ptr<feed_api::backend> feed_backend;
  std::optional<durability_options> durability;
  std::shared_ptr<durability_counters> log_counters;
  // Declared last, so destroyed first: their jobs finish while the actors they report to exist.
  std::optional<storage::io_pool> sync_pool;
  std::optional<storage::io_pool> snapshot_pool;
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

storage::result<recovery_summary> store_runtime::recover() {
  const auto& partitions = impl_->partitions;
  const durability_options& options = *impl_->durability;
  std::vector<std::optional<storage::result<std::shared_ptr<recovered_partition_data>>>> loaded(
      partitions.size());
  storage::run_parallel(partitions.size(), std::max(1u, std::thread::hardware_concurrency()),
                        [&](std::size_t id) { loaded[id] = recover_partition_data(id, options); });
  recovery_summary summary;
  for (std::size_t id = 0; id < partitions.size(); ++id) {
    if (!loaded[id]->ok()) return loaded[id]->error();
    const auto& data = loaded[id]->value();
    summary.keys += data->store.key_count();
    // Every event is one seq step of one partition, so the node's rev is their sum.
    summary.last_rev += data->report.last_seq;
    for (const auto& warning : data->report.warnings) summary.warnings.push_back(warning);
  }
  // Sent before the node serves keys, so each is first in its actor's mailbox; waited for, so
  // that the node turns ready only once what expired while it was down is gone.
  caf::anon_send(impl_->broker, start_rev_atom::value, summary.last_rev);
  caf::scoped_actor self(impl_->system);
  for (std::size_t id = 0; id < partitions.size(); ++id) {
    self->request(partitions[id], caf::infinite,
                  attach_log{std::move(loaded[id]->value()), &*impl_->sync_pool,
                             &*impl_->snapshot_pool, impl_->log_counters})
        .receive(
            [id](bool expired_synced) {
              if (!expired_synced) {
                spdlog::error(
                    "partition {}: keys that expired while the node was down could "
                    "not be removed: the log failed",
                    id);
              }
            },
            [id](caf::error& error) {
              spdlog::error("partition {}: attaching its log failed: {}", id, to_string(error));
            });
  }
  return summary;
}

std::shared_ptr<cluster_gate> store_runtime::cluster_gate() const {
  return impl_->gate;
}

cluster::log_hooks store_runtime::cluster_hooks() {
  return applier_hooks(impl_->system, impl_->applier);
}

std::shared_ptr<const durability_counters> store_runtime::log_counters() const {
  return impl_->log_counters;
}

bool store_runtime::sync_logs() {
  caf::scoped_actor self(impl_->system);
  bool all_synced = true;
  for (const auto& partition : impl_->partitions) {
    self->request(partition, caf::infinite, sync_log_atom::value)
        .receive([&](bool synced) { all_synced = all_synced && synced; },
                 [&](caf::error&) { all_synced = false; });
  }
  return all_synced;
}

}  // namespace kv
