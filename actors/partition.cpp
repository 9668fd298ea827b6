// The partition actor's behaviour: each message maps to one partition_store call.
#include "actors/partition.hpp"

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace kv {
namespace {

struct partition_state {
  partition_store store;
  static inline const char* name = "partition";
};

// Answers a keyed operation in place, unless it waited in the mailbox past its deadline.
template <class Operation, class Apply>
void serve(Operation& op, Apply apply) {
  if (std::chrono::steady_clock::now() > op.deadline) return op.reply->complete(std::nullopt);
  op.reply->complete(apply(op.request));
}

caf::behavior partition_behavior(caf::stateful_actor<partition_state>* self) {
  auto& store = self->state.store;
  return {
      [&store](get_operation& op) {
        serve(op, [&store](get_request& request) {
          const stored_value* found = store.get(request.key);
          return found ? *found : stored_value{};
        });
      },
      [&store](put_operation& op) {
        serve(op, [&store](put_request& request) {
          return store.put(std::move(request.key), std::move(request.value),
                           request.expected_version);
        });
      },
      [&store](delete_operation& op) {
        serve(op, [&store](delete_request& request) {
          return store.erase(request.key, request.expected_version);
        });
      },
      [&store](put_all_request& request) -> std::size_t {
        for (auto& [key, value] : request.pairs)
          store.put(std::move(key), std::move(value), std::nullopt);
        return request.pairs.size();
      },
      [&store](scan_request& request) -> scan_page { return store.scan(request.query); },
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
