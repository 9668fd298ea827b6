// Node lifecycle: logging, signals, actor runtime, change feed, HTTP server, drain and shutdown.
#include "node/node.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstring>
#include <thread>

#include "actors/store_runtime.hpp"
#include "metrics/connection_collector.hpp"
#include "metrics/feed_collector.hpp"
#include "metrics/node_metrics.hpp"
#include "transports/http/http_server.hpp"
#include "transports/zmq/zmq_publisher.hpp"

namespace kv {
namespace {

using namespace std::chrono_literals;

// Requests still running this long after the drain period are given up on, so that a client
// that stopped reading cannot keep a node from shutting down.
constexpr auto in_flight_grace = 60s;
constexpr auto actor_request_timeout = 5s;

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("kvnode");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// Blocked in every thread (threads inherit the mask), so that only sigwait sees them.
sigset_t block_termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disconnects mid-response must not kill the node.
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

routing_table make_routing_table(const node_config& config) {
  return config.split_points.empty() ? routing_table::equal_width(config.partition_count)
                                     : routing_table::from_split_points(config.split_points);
}

store_runtime_options runtime_options(const node_config& config) {
  store_runtime_options options;
  options.table = make_routing_table(config);
  options.worker_threads = std::max(1u, std::thread::hardware_concurrency());
  options.routers = static_cast<std::size_t>(config.http_threads);
  options.request_timeout = actor_request_timeout;
  return options;
}

feed_options feed_options_of(const node_config& config) {
  feed_options options;
  options.history_events = config.history_events;
  options.history_bytes = config.history_bytes;
  return options;
}

// Watch streams never end by themselves, so they are closed once the drain period is over;
// they keep getting events until then, as the node keeps taking writes.
void drain(const http::http_server& server, const feed_api& feed,
           std::chrono::seconds drain_period) {
  std::this_thread::sleep_for(drain_period);
  feed.close_watches();
  const auto give_up = std::chrono::steady_clock::now() + in_flight_grace;
  while (server.in_flight() > 0) {
    if (std::chrono::steady_clock::now() >= give_up) {
      spdlog::warn("{} requests still in flight, stopping anyway", server.in_flight());
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

int run_node(const node_config& config) {
  configure_logging(config.log_level);
  if (config.persistence == persistence_mode::wal) {
    spdlog::critical("storage.persistence = \"wal\" is not available in this version");
    return 2;
  }
  const sigset_t signals = block_termination_signals();

  store_runtime_options options = runtime_options(config);
  const std::size_t partition_count = options.table.partition_count();
  store_runtime runtime(std::move(options), feed_options_of(config));
  const feed_api feed = runtime.feed();
  try {
    feed.add_publisher([endpoint = config.feed_endpoint, hwm = config.zmq_high_water_mark] {
      return std::make_unique<zmq_feed::zmq_publisher>(endpoint, hwm);
    });
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
  metrics::node_metrics metrics(partition_count, KVACTOR_VERSION);
  metrics.add_collectable(std::make_shared<metrics::feed_collector>(feed.counters()));
  http::http_server server(
      {config.http_listen.host, config.http_listen.port, config.http_threads, config.max_key_bytes,
       config.max_value_bytes, config.node_id, KVACTOR_VERSION},
      runtime.api(), feed, metrics);
  metrics.add_collectable(
      std::make_shared<metrics::connection_collector>([&server] { return server.port(); }));
  try {
    server.start();
  } catch (const std::exception& error) {
    spdlog::critical("cannot listen on {}:{}: {}", config.http_listen.host, config.http_listen.port,
                     error.what());
    return 1;
  }
  server.set_phase(http::node_phase::serving);
  spdlog::info(
      "kvnode {} node {} serving HTTP on {}:{} and the change feed on {} with {} partitions",
      KVACTOR_VERSION, config.node_id, config.http_listen.host, server.port(), config.feed_endpoint,
      partition_count);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, draining", strsignal(signal_number));
  server.set_phase(http::node_phase::draining);
  drain(server, feed, std::chrono::seconds(config.drain_seconds));
  server.stop();
  spdlog::info("stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace kv
