// Node lifecycle: logging, signals, actor runtime, HTTP server, drain and shutdown.
#include "node/node.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstring>
#include <thread>

#include "actors/store_runtime.hpp"
#include "metrics/node_metrics.hpp"
#include "transports/http/http_server.hpp"

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

void drain(const http::http_server& server, std::chrono::seconds drain_period) {
  const auto drain_end = std::chrono::steady_clock::now() + drain_period;
  const auto give_up = drain_end + in_flight_grace;
  while (std::chrono::steady_clock::now() < drain_end || server.in_flight() > 0) {
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

  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  routing_table table = make_routing_table(config);
  const std::size_t partition_count = table.partition_count();
  store_runtime runtime({std::move(table), cores, static_cast<std::size_t>(config.http_threads),
                         actor_request_timeout});
  metrics::node_metrics metrics(partition_count, KVACTOR_VERSION);
  http::http_server server(
      {config.http_listen.host, config.http_listen.port, config.http_threads, config.max_key_bytes,
       config.max_value_bytes, config.node_id, KVACTOR_VERSION},
      runtime.api(), metrics);
  try {
    server.start();
  } catch (const std::exception& error) {
    spdlog::critical("cannot listen on {}:{}: {}", config.http_listen.host, config.http_listen.port,
                     error.what());
    return 1;
  }
  server.set_phase(http::node_phase::serving);
  spdlog::info("kvnode {} node {} serving HTTP on {}:{} with {} partitions", KVACTOR_VERSION,
               config.node_id, config.http_listen.host, server.port(), partition_count);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, draining", strsignal(signal_number));
  server.set_phase(http::node_phase::draining);
  drain(server, std::chrono::seconds(config.drain_seconds));
  server.stop();
  spdlog::info("stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace kv
