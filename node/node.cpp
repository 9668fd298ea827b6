// Node lifecycle: logging, signals, actor runtime, change feed, HTTP server, drain and shutdown.
#include "node/node.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "actors/store_runtime.hpp"
#include "auth/token_file.hpp"
#include "auth/token_registry.hpp"
#include "metrics/changelog_collector.hpp"
#include "metrics/connection_collector.hpp"
#include "metrics/durability_collector.hpp"
#include "metrics/feed_collector.hpp"
#include "metrics/node_metrics.hpp"
#include "node/advertised_feed.hpp"
#include "node/cluster_member.hpp"
#include "node/data_dir_config.hpp"
#include "node/exposure_warning.hpp"
#include "sinks/changelog_sink.hpp"
#include "sinks/postgres_changelog.hpp"
#include "sinks/restore.hpp"
#include "storage/data_layout.hpp"
#include "transports/http/dialects/agathemmanuel/agathemmanuel_seed.hpp"
#include "transports/http/exchange.hpp"
#include "transports/http/http_server.hpp"
#include "transports/resp/resp_server.hpp"
#include "transports/socketio/socketio_server.hpp"
#include "transports/zmq/curve_keys.hpp"
#include "transports/zmq/zmq_publisher.hpp"

namespace kv {
namespace {

// The host part of each member's HTTP address: http_peers, else the raft peers' hosts.
std::vector<std::string> member_http_hosts(const node_config::cluster_config& cluster) {
  const auto& addresses = cluster.http_peers.empty() ? cluster.peers : cluster.http_peers;
  std::vector<std::string> hosts;
  hosts.reserve(addresses.size());
  for (const auto& address : addresses) hosts.push_back(address.substr(0, address.rfind(':')));
  return hosts;
}

using namespace std::chrono_literals;

// Requests still running this long after the drain period are given up on, so that a client
// that stopped reading cannot keep a node from shutting down.
constexpr auto in_flight_grace = 60s;
constexpr auto actor_request_timeout = 5s;
// At shutdown the change log gets this long to write what it has not yet.
constexpr auto changelog_drain_grace = 5s;

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("kvnode");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// Blocked in every thread (threads inherit the mask), so that only sigwait sees them: SIGHUP
// re-reads the tokens file, the others stop the node.
sigset_t block_handled_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disconnects mid-response must not kill the node.
  std::signal(SIGPIPE, SIG_IGN);
  // A write past RLIMIT_FSIZE must fail with EFBIG and be answered 503 like a full disk,
  // not kill the node.
  std::signal(SIGXFSZ, SIG_IGN);
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
  if (config.persistence == persistence_mode::wal) {
    durability_options durability;
    durability.data_dir = config.data_dir;
    durability.fsync = config.fsync == fsync_mode::always     ? storage::fsync_mode::always
                       : config.fsync == fsync_mode::everysec ? storage::fsync_mode::everysec
                                                              : storage::fsync_mode::no;
    durability.repair = config.repair;
    durability.snapshot_log_multiple = config.snapshot_log_multiple;
    durability.snapshot_min_log_bytes = config.snapshot_min_log_bytes;
    options.durability = std::move(durability);
  }
  return options;
}

// Loads the data while HTTP answers readiness (and key routes) with 503. Returns the rev the
// feed reached, or nothing, having logged one line naming the file and offset, when the node
// must not start on it.
std::optional<std::uint64_t> recover(store_runtime& runtime, const std::string& data_dir) {
  const auto started = std::chrono::steady_clock::now();
  spdlog::info("recovering from {}", data_dir);
  auto recovered = runtime.recover();
  if (!recovered.ok()) {
    spdlog::critical("cannot recover from {}: {}", data_dir, recovered.error().message());
    return std::nullopt;
  }
  for (const auto& warning : recovered.value().warnings) spdlog::warn("recovery: {}", warning);
  spdlog::info("recovered {} keys up to rev {} in {} ms", recovered.value().keys,
               recovered.value().last_rev,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return recovered.value().last_rev;
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

// The data directory must be usable and hold every partition its LAYOUT promises. Returns the
// exit status when the node must not start, having logged one line saying why.
std::optional<int> check_data_dir(const node_config& config) {
  if (const auto problem = data_dir_problem(config.data_dir)) {
    spdlog::critical("{}", *problem);
    return 2;
  }
  const auto marker = std::filesystem::path(config.data_dir) / changelog::restoring_marker;
  if (std::error_code error; std::filesystem::exists(marker, error)) {
    spdlog::critical(
        "{} is there: a --restore-from-postgres into {} did not finish, and the data is not "
        "whole; empty the directory and restore again",
        marker.string(), config.data_dir);
    return 1;
  }
  auto checked =
      storage::check_data_layout(config.data_dir, make_routing_table(config), config.repair);
  if (!checked.ok()) {
    spdlog::critical("{}", checked.error().message());
    return checked.error().code() == std::errc::invalid_argument ? 2 : 1;
  }
  for (const auto& warning : checked.value()) spdlog::warn("{}", warning);
  return std::nullopt;
}

// --restore-from-postgres: fills the empty data directory from kv_changes. Returns the exit
// status when the node must not start, having logged why.
std::optional<int> restore_from_postgres(const node_config& config) {
  if (config.changelog_postgres.empty()) {
    spdlog::critical("--restore-from-postgres needs changelog.postgres (or --changelog-postgres)");
    return 2;
  }
  if (config.persistence != persistence_mode::wal) {
    spdlog::critical(
        "--restore-from-postgres needs persistence = \"wal\": it fills the data directory");
    return 2;
  }
  if (const auto problem = changelog::restore_target_problem(config.data_dir)) {
    spdlog::critical("refusing to restore: {}", *problem);
    return 1;
  }
  const std::string source = changelog::describe_conninfo(config.changelog_postgres);
  const auto started = std::chrono::steady_clock::now();
  spdlog::info("restoring {} from kv_changes of {}", config.data_dir, source);
  changelog::restore_builder built(make_routing_table(config));
  try {
    changelog::read_changes(config.changelog_postgres, [&built](changelog::stored_change&& row) {
      built.apply(std::move(row));
    });
  } catch (const changelog::restore_error& error) {
    spdlog::critical("cannot restore: {}", error.what());
    return 1;
  } catch (const std::exception& error) {
    spdlog::critical("cannot restore from {}: {}", source, error.what());
    return 1;
  }
  if (built.missing() > 0) {
    const std::string gap = fmt::format(
        "kv_changes misses {} of revs 1 to {} ({}; kv_changes_gaps lists the gaps the node "
        "recorded)",
        built.missing(), built.last_rev(), changelog::describe_holes(built.holes()));
    if (!config.restore_accept_gaps) {
      spdlog::critical(
          "refusing to restore: {}: the store rebuilt from it would not be whole; "
          "--restore-accept-gaps restores what is there anyway",
          gap);
      return 1;
    }
    spdlog::error(
        "RESTORING AN INCOMPLETE LOG: {}. Keys the missing events wrote may be stale, missing, "
        "or back from deletion. Restoring anyway, as --restore-accept-gaps asked",
        gap);
  }
  if (const auto written = changelog::write_restored_data_dir(config.data_dir, built);
      !written.ok()) {
    spdlog::critical("cannot write the restored data: {}", written.message());
    return 1;
  }
  spdlog::info("restored {} keys from {} rows up to rev {} into {} in {} ms", built.keys(),
               built.rows(), built.last_rev(), config.data_dir,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return std::nullopt;
}

std::shared_ptr<changelog::changelog_sink> make_changelog_sink(const node_config& config) {
  changelog::sink_options options;
  options.limits.max_events = config.changelog_max_backlog_events;
  options.limits.max_bytes = config.changelog_max_backlog_bytes;
  options.batch_events = config.changelog_batch_events;
  options.batch_interval = std::chrono::milliseconds(config.changelog_batch_interval_ms);
  return std::make_shared<changelog::changelog_sink>(
      options,
      changelog::postgres_store_factory(
          config.changelog_postgres, config.changelog_use_insert ? changelog::write_method::insert
                                                                 : changelog::write_method::copy));
}

}  // namespace

// The tokens of [auth] tokens_file, or null when authentication is off. A file that cannot be
// used at start stops the node: serving without the rules the operator asked for is worse.
std::optional<std::shared_ptr<auth::token_registry>> load_tokens(const node_config& config) {
  if (config.tokens_file.empty()) return std::shared_ptr<auth::token_registry>();
  try {
    return std::make_shared<auth::token_registry>(config.tokens_file);
  } catch (const auth::token_file_error& error) {
    std::fprintf(stderr, "kvnode: %s\n", error.what());
    return std::nullopt;
  }
}

// Sleeps until a stop signal, re-reading the tokens file on each SIGHUP meanwhile.
int wait_for_stop(const sigset_t& signals, auth::token_registry* tokens) {
  for (;;) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) return signal_number;
    if (tokens == nullptr) {
      spdlog::info("received SIGHUP; there is no tokens file to re-read");
    } else if (const auto problem = tokens->reload()) {
      spdlog::error("SIGHUP: kept the tokens in force: {}", *problem);
    } else {
      spdlog::info("SIGHUP: re-read {} ({} tokens)", tokens->path(), tokens->current()->size());
    }
  }
}

// CURVE on the feed when [feed] curve_secret_key is set; keys that are not Z85 keys stop the
// node before it starts anything, as any bad config value does.
struct feed_curve {
  std::optional<zmq_feed::curve_server> server;
  std::optional<std::string> public_key;
};

std::optional<feed_curve> feed_curve_of(const node_config& config) {
  feed_curve curve;
  if (config.curve_secret_key.empty()) {
    if (config.curve_allowed_clients.empty()) return curve;
    std::fprintf(stderr, "kvnode: feed.curve_allowed_clients needs feed.curve_secret_key\n");
    return std::nullopt;
  }
  curve.public_key = zmq_feed::curve_public_key(config.curve_secret_key);
  if (!curve.public_key) {
    std::fprintf(stderr, "kvnode: feed.curve_secret_key is not a Z85 CURVE secret key\n");
    return std::nullopt;
  }
  for (const auto& client : config.curve_allowed_clients) {
    if (!zmq_feed::z85_key_bytes(client)) {
      std::fprintf(stderr, "kvnode: feed.curve_allowed_clients: `%s` is not a Z85 CURVE key\n",
                   client.c_str());
      return std::nullopt;
    }
  }
  curve.server = zmq_feed::curve_server{config.curve_secret_key, config.curve_allowed_clients};
  return curve;
}

int run_node(const node_config& config, std::shared_ptr<const http::tls_context> tls) {
  const auto tokens = load_tokens(config);
  if (!tokens) return 2;
  const auto curve = feed_curve_of(config);
  if (!curve) return 2;
  if (!config.changelog_postgres.empty()) {
    if (const auto problem = changelog::conninfo_problem(config.changelog_postgres)) {
      std::fprintf(stderr, "kvnode: changelog.postgres: not a libpq connection string: %s\n",
                   problem->c_str());
      return 2;
    }
  }
  // Not in a cluster yet: the change log's restore would go around the raft log, and every
  // member would write the same rows.
  if (config.cluster && (!config.changelog_postgres.empty() || config.restore_from_postgres)) {
    std::fprintf(stderr,
                 "kvnode: [cluster] does not work with [changelog] postgres or "
                 "--restore-from-postgres yet\n");
    return 2;
  }
  configure_logging(config.log_level);
  if (config.restore_from_postgres) {
    if (const auto refused = restore_from_postgres(config)) {
      spdlog::shutdown();
      return *refused;
    }
  }
  // Cluster mode: the raft log under data_dir/raft is the write-ahead log (cluster_applier.hpp),
  // so the partitions keep none and storage.persistence does not apply.
  const bool clustered = config.cluster.has_value();
  if (config.persistence == persistence_mode::wal && !clustered) {
    if (const auto refused = check_data_dir(config)) return *refused;
  }
  if (clustered) {
    if (const auto problem = data_dir_problem(config.data_dir)) {
      spdlog::critical("{}", *problem);
      return 2;
    }
  }
  const sigset_t signals = block_handled_signals();

  store_runtime_options options = runtime_options(config);
  if (clustered) {
    options.durability.reset();
    options.cluster_node_id = config.cluster->node_id;
  }
  const std::size_t partition_count = options.table.partition_count();
  store_runtime runtime(std::move(options), feed_options_of(config));
  const feed_api feed = runtime.feed();
  // Written by the publisher actor before add_publisher returns.
  std::string feed_bound;
  try {
    feed.add_publisher(
        [&feed_bound, &curve, endpoint = config.feed_endpoint, hwm = config.zmq_high_water_mark] {
          auto publisher = std::make_unique<zmq_feed::zmq_publisher>(endpoint, hwm, curve->server);
          feed_bound = publisher->bound_endpoint();
          return publisher;
        });
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
  // Joins the feed before recovery, whose expiries are events too; writes once it knows the rev
  // the node starts from.
  std::shared_ptr<changelog::changelog_sink> changelog;
  if (!config.changelog_postgres.empty()) {
    changelog = make_changelog_sink(config);
    feed.add_publisher([changelog] { return changelog->make_publisher(); });
    if (config.persistence != persistence_mode::wal) changelog->start(0);
  }
  metrics::node_metrics metrics(partition_count, KVACTOR_VERSION);
  if (changelog) {
    metrics.add_collectable(std::make_shared<metrics::changelog_collector>(changelog->counters()));
  }
  metrics.add_collectable(std::make_shared<metrics::feed_collector>(feed.counters()));
  if (const auto counters = runtime.log_counters()) {
    metrics.add_collectable(std::make_shared<metrics::durability_collector>(counters));
  }
  std::unique_ptr<cluster_member> member;
  if (clustered) {
    int exit_status = 1;
    member = cluster_member::start(config, runtime, exit_status);
    if (!member) {
      // A raft instance that failed to start cannot be closed (its loop never ran), and the
      // actors it may have restored into would wait for it: nothing was served, so leave now.
      spdlog::shutdown();
      std::_Exit(exit_status);
    }
  }
  http::server_options http_options;
  if (member) http_options.cluster = member->http_hooks();
  http_options.host = config.http_listen.host;
  http_options.port = config.http_listen.port;
  http_options.threads = config.http_threads;
  http_options.max_key_bytes = config.max_key_bytes;
  http_options.max_value_bytes = config.max_value_bytes;
  http_options.node_id = config.node_id;
  http_options.version = KVACTOR_VERSION;
  http_options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  http_options.max_request_bytes = config.max_request_bytes;
  http_options.browser.allowed_hosts =
      config.allowed_hosts.value_or(http::default_allowed_hosts(config.http_listen.host));
  // The other members call this one by the names of the config (a follower forwards writes):
  // a node on a loopback address would otherwise refuse those Host headers.
  if (config.cluster && !http_options.browser.allowed_hosts.empty()) {
    for (const auto& host : member_http_hosts(*config.cluster)) {
      http_options.browser.allowed_hosts.push_back(host);
    }
  }
  http_options.browser.cors_origins = config.cors_origins;
  http_options.dialect = config.dialect;
  http_options.tokens = *tokens;
  http_options.feed_curve_public_key = curve->public_key;
  http_options.tls = std::move(tls);
  http_options.feed_zmq_endpoint =
      advertised_feed_endpoint(config.feed_advertise, feed_bound, config.http_listen.host);
  http::http_server server(std::move(http_options), runtime.api(), feed, metrics);
  // yuvraj9's `kv watch`: Socket.IO long-polling at /socket.io/, always on like its /kv.
  const auto socketio =
      std::make_shared<socketio::socketio_server>(feed, socketio::socketio_options{});
  server.mount_socketio([socketio](const http::request& req, const http::exchange_ptr& ex) {
    socketio->serve(req, ex);
  });
  metrics.add_collectable(
      std::make_shared<metrics::connection_collector>([&server] { return server.port(); }));
  // The Redis protocol, when [resp] listen is set. It binds now, so that a port in use stops
  // the node at start, and serves once the data is recovered.
  std::optional<resp::resp_server> resp;
  if (config.resp_listen) {
    resp::resp_options resp_options;
    resp_options.host = config.resp_listen->host;
    resp_options.port = config.resp_listen->port;
    resp_options.threads = config.resp_threads;
    resp_options.max_key_bytes = config.max_key_bytes;
    resp_options.max_value_bytes = config.max_value_bytes;
    resp_options.node_id = config.node_id;
    resp_options.version = KVACTOR_VERSION;
    resp_options.tokens = *tokens;
    resp.emplace(std::move(resp_options), runtime.api(), feed, metrics);
    try {
      resp->listen();
    } catch (const std::exception& error) {
      spdlog::critical("cannot listen for RESP on {}:{}: {}", config.resp_listen->host,
                       config.resp_listen->port, error.what());
      return 1;
    }
  }
  // Before the listener opens: a write served by a partition that has not loaded its data yet
  // would be acknowledged and then replaced by the recovered map.
  const bool wal = config.persistence == persistence_mode::wal && !clustered;
  if (wal) server.set_phase(http::node_phase::recovering);
  // The seed keys go into an empty store before any client can look for them: before the
  // listener opens, or with a data directory once it is recovered, while key routes wait.
  // Not in a cluster: its first write would wait for a leader (left for later).
  const bool seeded = config.dialect == dialect::agathemmanuel && !clustered;
  if (seeded && !wal && !http::dialects::seed_agathemmanuel_store(runtime.api())) {
    spdlog::critical("cannot write the agathemmanuel dialect's seed keys");
    return 1;
  }
  try {
    server.start();
  } catch (const std::exception& error) {
    spdlog::critical("cannot listen on {}:{}: {}", config.http_listen.host, config.http_listen.port,
                     error.what());
    return 1;
  }
  if (wal) {
    const auto last_rev = recover(runtime, config.data_dir);
    if (!last_rev) {
      server.stop();
      spdlog::shutdown();
      return 1;
    }
    if (changelog) changelog->start(*last_rev);
  }
  if (seeded && wal && !http::dialects::seed_agathemmanuel_store(runtime.api())) {
    spdlog::critical("cannot write the agathemmanuel dialect's seed keys");
    server.stop();
    spdlog::shutdown();
    return 1;
  }
  server.set_phase(http::node_phase::serving);
  if (resp) {
    resp->start();
    spdlog::info("serving the Redis protocol (RESP2) on {}:{}{}", config.resp_listen->host,
                 resp->port(), *tokens ? ", AUTH required" : "");
  }
  spdlog::info(
      "kvnode {} node {} serving {} on {}:{} (dialect {}) and the change feed on {} with {} "
      "partitions",
      KVACTOR_VERSION, config.node_id,
      config.tls_cert_file.empty()        ? "HTTP"
      : config.tls_client_ca_file.empty() ? "HTTPS"
                                          : "HTTPS with client certificates",
      config.http_listen.host, server.port(), dialect_name(config.dialect), feed_bound,
      partition_count);

  if (const auto warning = exposure_warning(config.http_listen.host, !config.tls_cert_file.empty(),
                                            *tokens != nullptr)) {
    spdlog::warn("{}", *warning);
  }
  // RESP has no TLS here: tokens guard it, but they travel in clear text.
  if (config.resp_listen) {
    if (const auto warning =
            exposure_warning(config.resp_listen->host, /*tls_on=*/false, *tokens != nullptr)) {
      spdlog::warn("RESP port: {}", *warning);
    }
  }
  const int signal_number = wait_for_stop(signals, tokens->get());
  spdlog::info("received {}", strsignal(signal_number));
  // Planned stop: another member leads before this one turns unready and drains.
  if (member) member->transfer_leadership();
  spdlog::info("draining");
  server.set_phase(http::node_phase::draining);
  drain(server, feed, std::chrono::seconds(config.drain_seconds));
  if (resp) {
    resp->drain(std::chrono::seconds(2));
    resp->stop();
  }
  server.stop();
  if (member) member->stop();
  if (wal && !runtime.sync_logs()) {
    spdlog::error("some writes could not be made durable at shutdown");
  }
  if (changelog) changelog->stop(changelog_drain_grace);
  spdlog::info("stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace kv
