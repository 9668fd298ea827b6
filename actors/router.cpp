// Fan-out of batches and stats, and paged scans that walk the partitions in key order.
#include "actors/router.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace kv {
namespace {

// A list walks the overlapping partitions one after another, asking each for what is still
// missing, so that a page touches only as many partitions as it needs.
struct list_walk {
  scan_query query;
  std::size_t partition = 0;
  std::size_t last_partition = 0;
  std::size_t bytes = 0;
  list_page page;
  reply_slot_ptr<list_page> reply;
};

template <class Result>
struct gather {
  std::size_t pending = 0;
  bool failed = false;
  Result result{};
  reply_slot_ptr<Result> reply;

  void finish_one() {
    if (--pending > 0) return;
    if (failed) {
      reply->complete(std::nullopt);
    } else {
      reply->complete(std::move(result));
    }
  }
};

class router : public caf::event_based_actor {
 public:
  router(caf::actor_config& config, std::shared_ptr<const partition_map> map,
         std::chrono::milliseconds request_timeout)
      : caf::event_based_actor(config), map_(std::move(map)), timeout_(request_timeout) {}

  caf::behavior make_behavior() override {
    return {
        [this](put_all_operation& op) { put_all(std::move(op)); },
        [this](list_operation& op) { start_list(std::move(op)); },
        [this](partitions_operation& op) { collect_stats(std::move(op)); },
    };
  }

 private:
  void put_all(put_all_operation op) {
    std::vector<key_value_list> by_partition(map_->partitions.size());
    for (auto& entry : op.request.pairs) {
      by_partition[map_->table.partition_for(entry.key)].push_back(std::move(entry));
    }
    auto state = std::make_shared<gather<std::size_t>>();
    state->reply = std::move(op.reply);
    state->pending = 1;  // held until every request is sent, so an early answer cannot finish
    for (std::size_t target = 0; target < by_partition.size(); ++target) {
      if (by_partition[target].empty()) continue;
      ++state->pending;
      request(map_->partitions[target], timeout_,
              put_all_request{std::move(by_partition[target]), op.request.ttl_seconds})
          .then(
              [state](std::size_t written) {
                state->result += written;
                state->finish_one();
              },
              [state, target](caf::error& error) {
                log_failure(target, error);
                state->failed = true;
                state->finish_one();
              });
    }
    state->finish_one();
  }

  void collect_stats(partitions_operation op) {
    const std::size_t count = map_->partitions.size();
    auto state = std::make_shared<gather<std::vector<partition_info>>>();
    state->reply = std::move(op.reply);
    state->pending = count;
    state->result.resize(count);
    for (std::size_t id = 0; id < count; ++id) {
      state->result[id].id = id;
      state->result[id].range = map_->table.range_of(id);
      request(map_->partitions[id], timeout_, stats_request{})
          .then(
              [state, id](partition_stats& stats) {
                state->result[id].keys = stats.keys;
                state->result[id].bytes = stats.bytes;
                state->result[id].queue_depth = stats.queue_depth;
                state->finish_one();
              },
              [state, id](caf::error& error) {
                log_failure(id, error);
                state->failed = true;
                state->finish_one();
              });
    }
  }

  void start_list(list_operation op) {
    auto walk = std::make_shared<list_walk>();
    walk->query = std::move(op.request.query);
    walk->reply = std::move(op.reply);
    const auto span = map_->table.partitions_for_prefix(walk->query.prefix);
    walk->partition = span.first;
    if (walk->query.after) {
      walk->partition = std::max(walk->partition, map_->table.partition_for(*walk->query.after));
    }
    walk->last_partition = span.last;
    if (walk->partition > walk->last_partition) {
      walk->reply->complete(std::move(walk->page));
      return;
    }
    continue_list(walk);
  }

  void continue_list(const std::shared_ptr<list_walk>& walk) {
    // One item more than the limit tells whether a next page exists.
    scan_query query = walk->query;
    query.limit = walk->query.limit + 1 - walk->page.items.size();
    query.byte_budget = walk->query.byte_budget - walk->bytes;
    const std::size_t target = walk->partition;
    request(map_->partitions[target], timeout_, scan_request{std::move(query)})
        .then(
            [this, walk](scan_page& found) {
              auto& items = walk->page.items;
              items.insert(items.end(), std::make_move_iterator(found.items.begin()),
                           std::make_move_iterator(found.items.end()));
              walk->bytes += found.bytes;
              if (items.size() > walk->query.limit) {
                items.resize(walk->query.limit);
                walk->page.next = items.back().key;
              } else if (found.budget_exhausted || (walk->bytes >= walk->query.byte_budget &&
                                                    walk->partition < walk->last_partition)) {
                walk->page.next = items.back().key;
              } else if (walk->partition < walk->last_partition) {
                ++walk->partition;
                continue_list(walk);
                return;
              }
              walk->reply->complete(std::move(walk->page));
            },
            [walk, target](caf::error& error) {
              log_failure(target, error);
              walk->reply->complete(std::nullopt);
            });
  }

  static void log_failure(std::size_t partition, const caf::error& error) {
    spdlog::warn("partition {} did not answer: {}", partition, caf::to_string(error));
  }

  std::shared_ptr<const partition_map> map_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

caf::actor spawn_router(caf::actor_system& system, std::shared_ptr<const partition_map> map,
                        std::chrono::milliseconds request_timeout) {
  return system.spawn<router>(std::move(map), request_timeout);
}

}  // namespace kv
