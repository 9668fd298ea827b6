// The Redis-protocol transport (contract section 12): RESP2 on a port of its own, so that
// redis-cli, redis-benchmark and Redis client libraries reach the same store as HTTP. Each
// thread runs an epoll loop of its own; the store answers from actor threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/feed_api.hpp"
#include "actors/store_api.hpp"
#include "auth/token_registry.hpp"

namespace kv::metrics {
class node_metrics;
}

namespace kv::resp {

struct resp_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6380;  // 0: any free port, see resp_server::port()
  int threads = 1;
  std::size_t max_key_bytes = 250;
  std::size_t max_value_bytes = 1048576;
  std::string node_id = "node-1";
  std::string version;
  // Bearer tokens ([auth] tokens_file): with them, a connection must AUTH with one first and
  // each command is held to its prefix rules. Null: no authentication.
  std::shared_ptr<auth::token_registry> tokens;
  // Commands of one connection in flight (sent to the store and not yet written back); past
  // it, and while the client does not take its replies, the connection's input is not read.
  std::size_t max_in_flight = 1024;
  // Pub/sub messages waiting to be written to one connection; past it the subscriber is cut.
  std::size_t max_pending_push_bytes = 32 << 20;
};

class resp_server {
 public:
  // `metrics` must outlive the server; the server adds its families to it.
  resp_server(resp_options options, store_api store, feed_api feed, metrics::node_metrics& metrics);
  ~resp_server();
  resp_server(const resp_server&) = delete;
  resp_server& operator=(const resp_server&) = delete;

  // Binds the port, without serving it yet, so that a port in use is known at start. Throws
  // std::runtime_error saying why it cannot listen.
  void listen();
  // Serves on background threads (listening first if listen() was not called).
  void start();
  std::uint16_t port() const;
  // For shutdown: every connection closes once the replies to what it sent are out; returns
  // when none is left or after `timeout`.
  void drain(std::chrono::milliseconds timeout);
  // Closes the listener and every connection, and joins the threads.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kv::resp
