// Watching the change feed over GET /v1/watch (server-sent events) for as long as the node can
// be reached: a dropped connection is resumed with Last-Event-ID, so no event is missed or
// repeated while the node retains them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "client/request_paths.hpp"

namespace kv::client {

struct sse_watch_options {
  std::string prefix;                      // "" watches every key
  std::optional<std::uint64_t> since_rev;  // start after this rev; else with the next change
  std::chrono::milliseconds connect_timeout{10000};
  // The node sends a heartbeat at least every 15 s; this much silence means a dead connection.
  std::chrono::milliseconds idle_timeout{30000};
  // How long reconnecting may keep failing after the connection dropped, before giving up.
  std::chrono::milliseconds reconnect_for{10000};
};

// What the watch reports, always on the thread that called watch_over_sse.
struct sse_watch_handlers {
  std::function<void(const std::string& event_json)> on_event;
  // The node no longer retains the events after the resume point: those up to `rev` are lost.
  std::function<void(std::uint64_t rev, std::uint64_t oldest_rev)> on_reset;
  // The connection dropped for `reason` in a way the user must hear of: with no event yet to
  // resume after (`resume_after` empty: what changes before the watch is back is not seen),
  // or with the node not taking the watch back at once. A drop resumed at once after the last
  // event (with Last-Event-ID) loses nothing and is not reported.
  std::function<void(const std::string& reason, const std::optional<std::string>& resume_after)>
      on_reconnect;
};

// Runs the watch until it cannot go on, then throws: unreachable_error when the first
// connection fails or reconnecting fails for longer than `reconnect_for`, server_error when the
// node refuses the watch, std::runtime_error when it sends something that is not an event
// stream. Exceptions from the handlers pass through.
[[noreturn]] void watch_over_sse(const endpoint& node, const sse_watch_options& options,
                                 const sse_watch_handlers& handlers);

}  // namespace kv::client
