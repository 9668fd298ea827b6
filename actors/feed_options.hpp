// How much of the change feed a node keeps, and how far a watch stream may fall behind before
// it is closed. Defaults are the contract's; tests shorten the intervals.
#pragma once

#include <chrono>
#include <cstddef>

namespace kv {

struct feed_options {
  // Retained for watchers that resume (feed.history_events, feed.history_bytes).
  std::size_t history_events = 100000;
  std::size_t history_bytes = 64 << 20;
  // A watch stream with this many events or bytes waiting for its client is closed: the
  // client is not reading, and its events must not pile up in the node.
  std::size_t watch_queue_events = 10000;
  std::size_t watch_queue_bytes = 4 << 20;
  // The contract asks for a comment line at least every 15 s on an idle stream.
  std::chrono::milliseconds heartbeat_interval{10000};
  // How often a watcher checks that its client is still connected: a write to a client that
  // went away never completes, so this is how such a watcher learns to stop.
  std::chrono::milliseconds liveness_interval{1000};
};

}  // namespace kv
