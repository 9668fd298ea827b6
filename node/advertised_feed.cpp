// The advertised feed endpoint, from feed.advertise, the bound endpoint and the HTTP host.
#include "node/advertised_feed.hpp"

#include "core/tcp_endpoint.hpp"

namespace kv {

std::optional<std::string> advertised_feed_endpoint(const std::string& configured,
                                                    const std::string& bound,
                                                    const std::string& http_host) {
  if (!configured.empty()) return configured;
  if (bound.starts_with("inproc://")) return std::nullopt;
  const auto host = tcp_endpoint_host(bound);
  if (!host || !is_wildcard_host(*host) || is_wildcard_host(http_host)) return bound;
  return with_tcp_host(bound, http_host);
}

}  // namespace kv
