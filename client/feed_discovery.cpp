// Reading the advertised feed endpoint out of /v1/info, and filling in a wildcard host.
#include "client/feed_discovery.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/tcp_endpoint.hpp"

namespace kv::client {

std::optional<std::string> advertised_feed(const std::string& info_json,
                                           const std::string& node_host) {
  const auto info = nlohmann::json::parse(info_json, nullptr, false);
  if (info.is_discarded() || !info.is_object()) {
    throw std::runtime_error("unexpected reply from the server: /v1/info is not a JSON object");
  }
  const auto feed = info.find("feed");
  if (feed == info.end() || !feed->is_object()) return std::nullopt;
  const auto zmq = feed->find("zmq");
  if (zmq == feed->end() || !zmq->is_string()) return std::nullopt;
  const std::string endpoint = zmq->get<std::string>();
  const auto host = tcp_endpoint_host(endpoint);
  if (!host || !is_wildcard_host(*host)) return endpoint;
  return with_tcp_host(endpoint, node_host);
}

}  // namespace kv::client
