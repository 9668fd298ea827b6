// The pure half of the kvnode HTTP client: parsing the node's base URL and building request
// targets (percent-encoded key paths, list queries), kept apart from networking for unit tests.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kv::client {

// Where a node listens, taken apart from a URL such as http://127.0.0.1:8080.
struct endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // an IPv6 literal without its brackets
  int port = 0;           // from the URL, else 80 or 443 by scheme
  std::string base_path;  // "" or a prefix such as "/kv" (a node behind a proxy), no final '/'
  // Sent as "Authorization: Bearer TOKEN" with every request when not empty.
  std::string bearer_token;
  // For https: the CA file that vouches for the node (empty: the system's CAs), and the client
  // certificate and key that a node requiring mutual TLS checks (empty: none).
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// Accepts [SCHEME://]HOST[:PORT][/PATH] with SCHEME http (the default) or https. Throws
// std::invalid_argument saying what is wrong otherwise.
endpoint parse_url(std::string_view url);

// "/v1/keys/" + the key with every byte but RFC 3986 unreserved characters and '/' escaped, so
// that a key with '/' reads as path segments (the node percent-decodes the rest of the path).
std::string key_target(std::string_view key);

// A query parameter that may be absent (then it is left out of the target).
using query_parameter = std::pair<std::string_view, std::optional<std::string>>;

// key_target(key) with the present `parameters`, each value escaped.
std::string key_target(std::string_view key, std::initializer_list<query_parameter> parameters);

// One page of keys: GET /v1/keys.
struct list_query {
  std::string prefix;                // "" matches every key
  std::string suffix;                // "" matches every key
  std::optional<std::string> after;  // the cursor: the previous page's `next`
  std::size_t limit = 1000;          // the node accepts 1 to 10000
};

// "/v1/keys?..." with the non-empty fields of `query` as escaped parameters.
std::string list_target(const list_query& query);

// "/v1/watch", with `prefix` as its parameter when not empty.
std::string watch_target(std::string_view prefix);

}  // namespace kv::client
