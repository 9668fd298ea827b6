// Finding a node's ZeroMQ change feed from its GET /v1/info document, so that `kvctl --url URL
// watch` follows the node at URL without being told the feed's endpoint.
#pragma once

#include <optional>
#include <string>

namespace kv::client {

// The endpoint at "feed"."zmq" in `info_json`, with a wildcard host (0.0.0.0, ::, *: the node
// listens on every interface and could not tell which address reaches it) replaced by
// `node_host`, the host the client reached the node's HTTP port at. Nothing when the document
// has no such endpoint (an older node, or a feed no other process can reach). Throws
// std::runtime_error when `info_json` is not a JSON object.
std::optional<std::string> advertised_feed(const std::string& info_json,
                                           const std::string& node_host);

}  // namespace kv::client
