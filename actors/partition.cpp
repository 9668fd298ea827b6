// The partition actor's behaviour: each request maps to one partition_store call.
#include "actors/partition.hpp"

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace kv {
namespace {

struct partition_state {
  partition_store store;
  static inline const char* name = "partition";
};

caf::behavior partition_behavior(caf::stateful_actor<partition_state>* self) {
  return {
      [self](get_request& request) -> stored_value {
        const stored_value* found = self->state.store.get(request.key);
        return found ? *found : stored_value{};
      },
      [self](put_request& request) -> put_outcome {
        return self->state.store.put(std::move(request.key), std::move(request.value),
                                     request.expected_version);
      },
      [self](delete_request& request) -> delete_outcome {
        return self->state.store.erase(request.key, request.expected_version);
      },
      [self](put_all_request& request) -> std::size_t {
        for (auto& [key, value] : request.pairs) {
          self->state.store.put(std::move(key), std::move(value), std::nullopt);
        }
        return request.pairs.size();
      },
      [self](scan_request& request) -> scan_page { return self->state.store.scan(request.query); },
      [self](stats_request&) -> partition_stats {
        return {self->state.store.key_count(), self->state.store.byte_count(),
                self->mailbox().size()};
      },
  };
}

}  // namespace

caf::actor spawn_partition(caf::actor_system& system) {
  return system.spawn(partition_behavior);
}

}  // namespace kv
