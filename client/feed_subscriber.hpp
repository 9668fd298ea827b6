// A ZeroMQ SUB socket on a kvnode's change feed (contract section 3): two-frame messages, the
// key and the event JSON, for the keys that start with a prefix.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace kv::client {

struct feed_message {
  std::string key;
  std::string event_json;
};

// The keys of a CURVE-encrypted feed: the node's public key ([feed] curve_secret_key's, which
// /v1/info shows) and this client's secret key, whose public key the node must allow.
struct curve_client {
  std::string server_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

class feed_subscriber {
 public:
  // Connects in the background (ZeroMQ retries until the node is there) and subscribes to
  // `prefix`. Throws std::invalid_argument when ZeroMQ rejects `endpoint` or a CURVE key.
  feed_subscriber(const std::string& endpoint, const std::string& prefix,
                  const std::optional<curve_client>& curve = std::nullopt);
  ~feed_subscriber();
  feed_subscriber(const feed_subscriber&) = delete;
  feed_subscriber& operator=(const feed_subscriber&) = delete;

  // True once connected to a ZeroMQ publisher (handshake done), false if not within `timeout`
  // (ZeroMQ goes on trying).
  // Call it once, before next().
  bool wait_for_connection(std::chrono::milliseconds timeout);

  // Waits for the next message. Throws std::runtime_error for one that is not [key, event].
  feed_message next();

 private:
  struct sockets;
  std::unique_ptr<sockets> sockets_;
};

// Why ZeroMQ would refuse to connect to `endpoint`, or nothing when it accepts it.
std::optional<std::string> feed_endpoint_problem(const std::string& endpoint);

}  // namespace kv::client
