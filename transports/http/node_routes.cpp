// The node's own routes: /v1/ping, /v1/readiness and /v1/info.
#include <chrono>
#include <nlohmann/json.hpp>

#include "metrics/node_metrics.hpp"
#include "transports/http/routes.hpp"

namespace kv::http {
namespace {

// Range bounds are arbitrary bytes (equal-width splits are not UTF-8), so /v1/info shows them
// in hex.
std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 15]);
  }
  return out;
}

std::string_view phase_name(node_phase phase) {
  switch (phase) {
    case node_phase::starting:
      return "starting";
    case node_phase::recovering:
      return "recovering";
    case node_phase::serving:
      return "serving";
    case node_phase::draining:
      return "draining";
  }
  return "unknown";
}

}  // namespace

void reply_unavailable(const exchange_ptr& ex) {
  ex->send_error(503, "unavailable",
                 "the store could not complete the request in time or durably; see the node's log");
}

// A fixed body: building and dumping a JSON document for it cost a handful of allocations on
// the route that load balancers and benchmarks call most.
void serve_ping(const exchange_ptr& ex) {
  ex->send(200, R"({"status":"ok"})", content_type::json);
}

void serve_readiness(const exchange_ptr& ex) {
  const node_phase phase = ex->context().phase.load(std::memory_order_relaxed);
  if (phase != node_phase::serving) {
    return ex->send_error(503, "unavailable", "node is " + std::string(phase_name(phase)));
  }
  const auto& cluster = ex->context().options.cluster;
  if (!cluster) return ex->send_json(200, {{"status", phase_name(phase)}});
  cluster->caught_up([ex, phase](bool caught_up) {
    if (!caught_up) {
      return ex->send_error(503, "unavailable", "member is catching up with the cluster");
    }
    ex->send_json(200, {{"status", phase_name(phase)}});
  });
}

void serve_metrics(const exchange_ptr& ex) {
  // Key gauges are read from the partitions at scrape time, so they are exact when scraped.
  ex->context().store.partitions([ex](std::optional<std::vector<partition_info>> partitions) {
    if (!partitions) return reply_unavailable(ex);
    auto& metrics = ex->context().metrics;
    metrics.update_partitions(*partitions);
    std::string text = metrics.render();
    if (const auto& cluster = ex->context().options.cluster) text += cluster->metrics_text();
    ex->send(200, text, "text/plain; version=0.0.4; charset=utf-8");
  });
}

void serve_info(const exchange_ptr& ex) {
  ex->context().store.partitions([ex](std::optional<std::vector<partition_info>> partitions) {
    if (!partitions) return reply_unavailable(ex);
    const auto& context = ex->context();
    const auto uptime = std::chrono::steady_clock::now() - context.started;
    nlohmann::json list = nlohmann::json::array();
    std::size_t keys = 0;
    std::size_t bytes = 0;
    for (const auto& partition : *partitions) {
      keys += partition.keys;
      bytes += partition.bytes;
      list.push_back({{"id", partition.id},
                      {"start", hex(partition.range.start)},
                      {"end", partition.range.end ? nlohmann::json(hex(*partition.range.end))
                                                  : nlohmann::json(nullptr)},
                      {"keys", partition.keys},
                      {"bytes", partition.bytes}});
    }
    // Where to subscribe to the change feed, so that a client given only the HTTP URL finds
    // it; an empty object when no other process can reach the feed.
    nlohmann::json feed = nlohmann::json::object();
    if (context.options.feed_zmq_endpoint) feed["zmq"] = *context.options.feed_zmq_endpoint;
    if (context.options.feed_curve_public_key) {
      feed["curve_server_key"] = *context.options.feed_curve_public_key;
    }
    ex->send_json(
        200, {{"node_id", context.options.node_id},
              {"version", context.options.version},
              {"uptime_seconds", std::chrono::duration_cast<std::chrono::seconds>(uptime).count()},
              {"keys", keys},
              {"bytes", bytes},
              {"partitions", std::move(list)},
              {"feed", std::move(feed)}});
  });
}

}  // namespace kv::http
