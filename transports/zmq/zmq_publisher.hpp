// The change feed over ZeroMQ (contract section 3): a PUB socket (an XPUB, to know whether
// anyone subscribes) bound at feed.zmq_endpoint, one two-frame message per event, [key bytes,
// event JSON], so that subscribers filter by key prefix. Not thread-safe, like the socket it
// owns: the publisher actor uses it one call at a time, fenced (actors/publisher.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed_api.hpp"

namespace kv::zmq_feed {

// ZeroMQ CURVE on the PUB socket: libzmq encrypts, a ZAP handler admits only allowed clients.
struct curve_server {
  std::string secret_key;                    // Z85, 40 characters
  std::vector<std::string> allowed_clients;  // Z85 public keys
};

class zmq_publisher : public event_publisher {
 public:
  // Binds at once. Throws std::runtime_error naming the endpoint when it cannot (in use, bad
  // address), or a key when a CURVE key is not one. `high_water_mark`: events queued per
  // subscriber before its events are dropped.
  zmq_publisher(const std::string& endpoint, int high_water_mark,
                const std::optional<curve_server>& curve = std::nullopt);
  ~zmq_publisher() override;

  // The endpoint as bound: tcp://HOST:* reads with its real port, tcp://*:PORT as 0.0.0.0.
  std::string bound_endpoint() const;

  // Sends the event to every subscriber of its key whose queue has room. False when a queue was
  // full: that subscriber loses this event and, silently, the ones after it until it has read
  // its queue down; its next overflow is reported again. Subscribers whose queues fill at the
  // same event are reported once, so the falses count overflows, never more than the events lost.
  bool publish(const feed_event_ptr& event) override;
  std::size_t publish_all(const std::vector<feed_event_ptr>& events) override;

 private:
  bool send_to_subscribers(const feed_event_ptr& event);

  struct sockets;
  std::unique_ptr<sockets> sockets_;
};

}  // namespace kv::zmq_feed
