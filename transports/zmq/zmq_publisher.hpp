// The change feed over ZeroMQ (contract section 3): a PUB socket bound at feed.zmq_endpoint,
// one two-frame message per event, [key bytes, event JSON], so that subscribers filter by key
// prefix. Not thread-safe, like the socket it owns: the publisher actor keeps it on one thread.
#pragma once

#include <memory>
#include <string>

#include "actors/feed_api.hpp"

namespace kv::zmq_feed {

class zmq_publisher : public event_publisher {
 public:
  // Binds at once. Throws std::runtime_error naming the endpoint when it cannot (in use, bad
  // address). `high_water_mark`: events queued per subscriber before its events are dropped.
  zmq_publisher(const std::string& endpoint, int high_water_mark);
  ~zmq_publisher() override;

  // False when a subscriber of this key has a full queue: the event then reaches no subscriber
  // (ZMQ_XPUB_NODROP), which is what makes the drop countable.
  bool publish(const feed_event_ptr& event) override;

 private:
  struct sockets;
  std::unique_ptr<sockets> sockets_;
};

}  // namespace kv::zmq_feed
