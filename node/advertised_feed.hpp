// Where /v1/info tells clients to subscribe to the ZeroMQ change feed: the endpoint the feed is
// bound at is not always one a client can connect to (a wildcard host, an inproc:// name).
#pragma once

#include <optional>
#include <string>

namespace kv {

// `configured` (feed.advertise, empty when unset) wins. Otherwise `bound`, the endpoint as
// ZeroMQ bound it, with a wildcard host replaced by `http_host` when that is a concrete address;
// when both are wildcards the wildcard stays, and clients put in the host they reached the node
// at. Nothing for inproc://, which no other process can reach.
std::optional<std::string> advertised_feed_endpoint(const std::string& configured,
                                                    const std::string& bound,
                                                    const std::string& http_host);

}  // namespace kv
