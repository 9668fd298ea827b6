// The change feed as the transports see it: watch streams, event publishers and the feed's
// counters, with no framework type in sight. Implemented on top of the broker actor.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/feed_event.hpp"

namespace kv {

// Updated by the feed's actors, read by the metrics at scrape time.
struct feed_counters {
  std::atomic<std::uint64_t> events{0};   // published; each event once
  std::atomic<std::uint64_t> expired{0};  // of them, keys removed by expiry
  // Events some subscriber of a publisher could not take (for ZeroMQ: each overflow of a
  // subscriber's queue, which costs it that event and maybe more that nobody reports).
  std::atomic<std::uint64_t> publisher_dropped{0};
  std::atomic<std::uint64_t> watches_cut{0};  // watch streams closed for falling behind
  std::atomic<std::int64_t> watches{0};       // watch streams open now
  // The Socket.IO transport's, which sees these counters only through feed_api::counters():
  // events dropped from its sessions' full queues, sessions open now, and the watch streams
  // (0 or 1) that feed it, which `watches` counts too.
  mutable std::atomic<std::uint64_t> socketio_dropped{0};
  mutable std::atomic<std::int64_t> socketio_sessions{0};
  mutable std::atomic<std::int64_t> socketio_watches{0};
  // The RESP transport's: SUBSCRIBE and PSUBSCRIBE streams open now (which `watches` counts
  // too), those the watcher cut for falling behind (which `watches_cut` counts too), and every
  // subscriber connection the transport cut, for whatever reason.
  mutable std::atomic<std::int64_t> resp_watches{0};
  mutable std::atomic<std::uint64_t> resp_watcher_cuts{0};
  mutable std::atomic<std::uint64_t> resp_dropped{0};
};

// The transport's end of one watch stream, driven by one actor (never two calls at once).
// `written` runs, on any thread, once the client's connection has taken what was sent; it
// never runs when the client has gone, which is why the watcher also polls connected().
class watch_output {
 public:
  virtual ~watch_output() = default;
  virtual void send_events(const std::vector<feed_event_ptr>& events,
                           std::function<void()> written) = 0;
  // The client asked to resume from a rev the node no longer retains: it must re-list, and the
  // stream carries on after `rev`. `oldest_rev` is the oldest retained (0: none).
  virtual void send_reset(std::uint64_t rev, std::uint64_t oldest_rev,
                          std::function<void()> written) = 0;
  // First on a stream that did not resume: the stream carries every event after `rev`, so a
  // client that drops before any event arrives can still resume without a gap.
  virtual void send_position(std::uint64_t rev, std::function<void()> written) = 0;
  virtual void send_heartbeat(std::function<void()> written) = 0;
  virtual bool connected() const = 0;
  // Ends the stream in order; the client may resume from the last event it got.
  virtual void finish() = 0;
  // Drops the connection at once, for a client that stopped reading: anything already queued
  // for it would otherwise stay pinned for as long as it keeps the connection open.
  virtual void disconnect() = 0;
};

// A transport that gets every event (ZeroMQ). Created, used and destroyed by one actor, one call
// at a time with a full memory fence before each, so it may hold a resource that one thread at a
// time may use (a ZeroMQ socket); it must not block.
class event_publisher {
 public:
  virtual ~event_publisher() = default;
  // False when some subscriber could not take the event: it is lost for that subscriber (the
  // others still get it). The event is shared, so a transport may keep it (without copying)
  // until its bytes are sent.
  virtual bool publish(const feed_event_ptr& event) = 0;
  // The events of one message from the broker, in order: how many some subscriber could not
  // take (publish's falses). A transport overrides it where a batch costs less than its events.
  virtual std::size_t publish_all(const std::vector<feed_event_ptr>& events) {
    std::size_t lost = 0;
    for (const auto& event : events) lost += publish(event) ? 0 : 1;
    return lost;
  }
};
using publisher_factory = std::function<std::unique_ptr<event_publisher>()>;

struct watch_request {
  std::string prefix;
  // Resume: first every retained event after this rev, or a reset when they are not retained.
  std::optional<std::uint64_t> after_rev;
};

class feed_api {
 public:
  class backend;
  explicit feed_api(std::shared_ptr<backend> backend) : backend_(std::move(backend)) {}

  // Streams the events of keys starting with request.prefix to `output` until the client goes,
  // falls too far behind, or close_watches() is called.
  void watch(watch_request request, std::shared_ptr<watch_output> output) const;

  // Runs `make` in a new actor, waits for it, and from then on hands every event to what it
  // made, in that actor. Rethrows what `make` throws (an endpoint in use, say).
  void add_publisher(publisher_factory make) const;

  // Finishes every watch stream, and any opened afterwards, so that a draining node can stop.
  void close_watches() const;

  std::shared_ptr<const feed_counters> counters() const;

 private:
  std::shared_ptr<backend> backend_;
};

}  // namespace kv
