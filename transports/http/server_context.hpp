// State shared by every request handler of one HTTP server.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>

#include "actors/feed_api.hpp"
#include "actors/store_api.hpp"
#include "metrics/node_metrics.hpp"
#include "transports/http/http_metrics.hpp"
#include "transports/http/http_server.hpp"

namespace kv::http {

class request;
class exchange;

struct server_context {
  server_context(server_options options_in, store_api store_in, feed_api feed_in,
                 metrics::node_metrics& metrics_in)
      : options(std::move(options_in)),
        store(std::move(store_in)),
        feed(std::move(feed_in)),
        metrics(metrics_in),
        http(metrics_in.registry()),
        guard(options.browser) {}

  const server_options options;
  const store_api store;
  const feed_api feed;
  metrics::node_metrics& metrics;
  http_metrics http;
  const browser_guard guard;
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<node_phase> phase{node_phase::starting};
  std::atomic<std::size_t> in_flight{0};
  // /socket.io/, served by the Socket.IO transport when one is mounted (404 otherwise).
  std::function<void(const request&, const std::shared_ptr<exchange>&)> socketio;
};

}  // namespace kv::http
