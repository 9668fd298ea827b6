// The publisher actor. Its state, and with it the event_publisher, is destroyed in on_exit;
// every use of the publisher is preceded by a full fence (see publisher.hpp).
#include "actors/publisher.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <future>

#include "actors/feed_messages.hpp"

namespace kv {
namespace {

struct publisher_state {
  publisher_state() = default;
  publisher_state(const publisher_state&) = delete;
  publisher_state& operator=(const publisher_state&) = delete;
  ~publisher_state() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    publisher.reset();
  }

  std::unique_ptr<event_publisher> publisher;
  static inline const char* name = "publisher";
};

caf::behavior publisher_behavior(caf::stateful_actor<publisher_state>* self,
                                 const publisher_factory& make,
                                 const std::shared_ptr<std::promise<void>>& started,
                                 const std::shared_ptr<feed_counters>& counters) {
  try {
    self->state.publisher = make();
  } catch (...) {
    started->set_exception(std::current_exception());
    return {};  // no behavior: the actor exits
  }
  started->set_value();
  return {
      [self, counters](live_events& msg) {
        // The last message may have been handled on another worker thread.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        const std::size_t lost = self->state.publisher->publish_all(msg.events);
        if (lost != 0) counters->publisher_dropped.fetch_add(lost, std::memory_order_relaxed);
      },
  };
}

}  // namespace

caf::actor spawn_publisher(caf::actor_system& system, publisher_factory make,
                           std::shared_ptr<feed_counters> counters) {
  auto started = std::make_shared<std::promise<void>>();
  auto made = started->get_future();
  auto actor = system.spawn(publisher_behavior, std::move(make), started, std::move(counters));
  made.get();
  return actor;
}

}  // namespace kv
