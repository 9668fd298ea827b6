// The partition actor's behaviour: each message maps to one partition_store call, and each
// change it applies is announced to the broker.
#include "actors/partition.hpp"

#include <caf/all.hpp>
#include <chrono>

#include "actors/feed_messages.hpp"
#include "actors/messages.hpp"

namespace kv {
namespace {

struct partition_state {
  partition_store store;
  std::size_t id = 0;
  caf::actor broker;
  std::uint64_t seq = 0;  // of the last change announced
  static inline const char* name = "partition";
};

using partition_actor = caf::stateful_actor<partition_state>;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sent before the write is answered, so an acknowledged write is already on its way into the
// feed. A send never waits, whatever the broker and the subscribers behind it are doing.
void announce(partition_actor* self, change_op op, std::string key, value_ptr value,
              std::uint64_t version) {
  auto& state = self->state;
  self->send(state.broker, applied_change{op, std::move(key), std::move(value), version, state.id,
                                          ++state.seq, unix_ms_now()});
}

// Answers a keyed operation in place, unless it waited in the mailbox past its deadline.
template <class Operation, class Apply>
void serve(Operation& op, Apply apply) {
  if (std::chrono::steady_clock::now() > op.deadline) return op.reply->complete(std::nullopt);
  op.reply->complete(apply(op.request));
}

caf::behavior partition_behavior(partition_actor* self, std::size_t id, caf::actor broker) {
  self->state.id = id;
  self->state.broker = std::move(broker);
  auto& store = self->state.store;
  return {
      [&store](get_operation& op) {
        serve(op, [&store](get_request& request) {
          const stored_value* found = store.get(request.key);
          return found ? *found : stored_value{};
        });
      },
      [self, &store](put_operation& op) {
        serve(op, [self, &store](put_request& request) {
          const put_outcome outcome =
              store.put(request.key, request.value, request.expected_version);
          if (outcome.status == write_status::ok) {
            announce(self, change_op::put, std::move(request.key), std::move(request.value),
                     outcome.version);
          }
          return outcome;
        });
      },
      [self, &store](delete_operation& op) {
        serve(op, [self, &store](delete_request& request) {
          const delete_outcome outcome = store.erase(request.key, request.expected_version);
          if (outcome.deleted) {
            announce(self, change_op::del, std::move(request.key), nullptr,
                     outcome.current_version);
          }
          return outcome;
        });
      },
      [self, &store](put_all_request& request) -> std::size_t {
        for (auto& [key, value] : request.pairs) {
          const put_outcome outcome = store.put(key, value, std::nullopt);
          announce(self, change_op::put, std::move(key), std::move(value), outcome.version);
        }
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

caf::actor spawn_partition(caf::actor_system& system, std::size_t id, caf::actor broker) {
  return system.spawn(partition_behavior, id, std::move(broker));
}

}  // namespace kv
