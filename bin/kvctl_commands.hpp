// What each kvctl command does once its command line is parsed: the calls to the node, the
// output (plain for people, --json for scripts) and the exit status.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/request_paths.hpp"

namespace kvctl {

// Exit statuses: 1 covers every failure of the request itself (missing key, error reply,
// unreachable node); 2 is reserved for command lines that make no sense.
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

constexpr const char* default_url = "http://127.0.0.1:8080";

// Everything the user said, filled in by the parser; each command reads the fields it has.
struct invocation {
  std::string url = default_url;
  std::string token;  // --token, KVCTL_TOKEN: the node's bearer token, "" for none
  // https: the CA that vouches for the node, and the client certificate and key for mutual TLS
  std::string cacert;
  std::string cert;
  std::string key_file;
  bool json = false;
  double timeout_seconds = 10;
  std::string key;
  std::optional<std::string> value;  // put and store: absent means "read stdin"
  std::optional<std::uint64_t> if_version;
  std::string type;                          // put --type, incr --type; "" when not given
  std::optional<std::uint32_t> ttl_seconds;  // put --ttl, expire's SECONDS
  // incr: the amount; sadd, srem: members; hset: fields and values; hget, hdel: field names;
  // sismember: the member
  std::vector<std::string> items;
  std::string prefix;
  std::string suffix;
  // watch
  std::string feed;  // the ZeroMQ endpoint; empty: the one the node at `url` advertises
  bool sse = false;  // GET /v1/watch on `url` instead of ZeroMQ
  // A CURVE-encrypted feed: the node's public key and this client's secret key (both Z85).
  std::string curve_server_key;
  std::string curve_secret_key;
  std::optional<std::uint64_t> since_rev;
};

using command = int (*)(const invocation&);

// The node at --url, with the TLS files of --cacert, --cert and --key.
kv::client::endpoint node_of(const invocation& args);

// --timeout as a duration, never zero.
std::chrono::milliseconds timeout_of(const invocation& args);
// The node at args.url, with args.token to send.
kv::client::endpoint node_of(const invocation& args);

int get_command(const invocation& args);
int put_command(const invocation& args);
int delete_command(const invocation& args);
int search_command(const invocation& args);
int ping_command(const invocation& args);
int info_command(const invocation& args);
// Defined in kvctl_watch.cpp.
int watch_command(const invocation& args);

// Typed values, defined in kvctl_typed.cpp.
int incr_command(const invocation& args);
int sadd_command(const invocation& args);
int srem_command(const invocation& args);
int hset_command(const invocation& args);
int hdel_command(const invocation& args);
int hget_command(const invocation& args);
int smembers_command(const invocation& args);
int sismember_command(const invocation& args);

// Expiry, defined in kvctl_expiry.cpp.
int expire_command(const invocation& args);
int persist_command(const invocation& args);
int ttl_command(const invocation& args);

}  // namespace kvctl
