// A watcher actor: one per watch stream. It owns the stream's output and the queue of events
// its client has not taken yet, writes one chunk at a time, and closes the stream when the
// broker cuts it for a client that stops reading, so a slow client costs bounded memory.
#pragma once

#include <atomic>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <cstddef>
#include <memory>

#include "actors/feed_api.hpp"
#include "actors/feed_options.hpp"

namespace kv {

// What the broker and one watcher share. The events (and their bytes) the broker has sent that
// the watcher has not handed to its stream yet, in its mailbox or its queue: the broker adds and
// checks the bound before each send, so that a watcher that is not even scheduled cannot pile
// up events in its mailbox; the watcher takes away. And whether the broker cut the stream.
struct watcher_link {
  std::atomic<std::size_t> unwritten_events{0};
  std::atomic<std::size_t> unwritten_bytes{0};
  std::atomic<bool> cut{false};

  void sent(const feed_event& event) {
    unwritten_events.fetch_add(1, std::memory_order_relaxed);
    unwritten_bytes.fetch_add(event.bytes(), std::memory_order_relaxed);
  }
  void written(std::size_t events, std::size_t bytes) {
    unwritten_events.fetch_sub(events, std::memory_order_relaxed);
    unwritten_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  }
};

// Spawned by the broker, which feeds it through `link`; it asks `broker` for replay pages.
caf::actor spawn_watcher(caf::actor_system& system, caf::actor broker,
                         std::shared_ptr<watch_output> output, const feed_options& options,
                         std::shared_ptr<watcher_link> link);

}  // namespace kv
