// The commands of contract section 12 on the store, with Redis's replies and error wording.
//
// How kvactor's typed values look from Redis: bytes, int, uint, float and json values are
// strings (GET returns their text, TYPE says "string"), set is a set and hash a hash. SET
// always writes bytes; INCR and INCRBYFLOAT follow Redis's rules (typed_operation::redis_rules).
// Calls on one key go through the connection's batch, one message per partition for what a
// read of the socket brought; a command that needs more than one round trip, or goes through
// a router (SCAN, KEYS, DBSIZE, INFO), is a barrier: the connection's later commands wait for
// its reply, so that every command sees the writes of those before it, and none after it.
#include "transports/resp/commands.hpp"

#include <cctype>
#include <unordered_map>

#include "transports/resp/command_handlers.hpp"

namespace kv::resp {
namespace {

// Sorted by name (find_command's lookup does not depend on it, COMMAND's listing does).
const command_spec commands[] = {
    {"auth", -2, "noscript loading stale fast no_auth", 0, 0, 0, cmd_auth, true, false},
    {"client", -2, "admin noscript loading stale", 0, 0, 0, cmd_client, false, false},
    {"command", -1, "loading stale", 0, 0, 0, cmd_command, false, false},
    {"config", -2, "admin noscript loading stale", 0, 0, 0, cmd_config, false, false},
    {"dbsize", 1, "readonly fast", 0, 0, 0, cmd_dbsize, false, false},
    {"decr", 2, "write denyoom fast", 1, 1, 1, cmd_decr, false, false},
    {"decrby", 3, "write denyoom fast", 1, 1, 1, cmd_decrby, false, false},
    {"del", -2, "write", 1, -1, 1, cmd_del, false, false},
    {"discard", 1, "noscript loading stale fast", 0, 0, 0, cmd_discard, false, false, true},
    {"echo", 2, "fast", 0, 0, 0, cmd_echo, false, false},
    {"exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, cmd_exec, false, false, true},
    {"exists", -2, "readonly fast", 1, -1, 1, cmd_exists, false, false},
    {"expire", -3, "write fast", 1, 1, 1, cmd_expire, false, false},
    {"get", 2, "readonly fast", 1, 1, 1, cmd_get, false, false},
    {"hdel", -3, "write fast", 1, 1, 1, cmd_hdel, false, false},
    {"hello", -1, "noscript loading stale fast no_auth", 0, 0, 0, cmd_hello, true, false},
    {"hexists", 3, "readonly fast", 1, 1, 1, cmd_hexists, false, false},
    {"hget", 3, "readonly fast", 1, 1, 1, cmd_hget, false, false},
    {"hgetall", 2, "readonly", 1, 1, 1, cmd_hgetall, false, false},
    {"hlen", 2, "readonly fast", 1, 1, 1, cmd_hlen, false, false},
    {"hmset", -4, "write denyoom fast", 1, 1, 1, cmd_hmset, false, false},
    {"hset", -4, "write denyoom fast", 1, 1, 1, cmd_hset, false, false},
    {"incr", 2, "write denyoom fast", 1, 1, 1, cmd_incr, false, false},
    {"incrby", 3, "write denyoom fast", 1, 1, 1, cmd_incrby, false, false},
    {"incrbyfloat", 3, "write denyoom fast", 1, 1, 1, cmd_incrbyfloat, false, false},
    {"info", -1, "loading stale", 0, 0, 0, cmd_info, false, false},
    {"keys", 2, "readonly", 0, 0, 0, cmd_keys, false, false},
    {"mget", -2, "readonly fast", 1, -1, 1, cmd_mget, false, false},
    {"mset", -3, "write denyoom", 1, -1, 2, cmd_mset, false, false},
    {"multi", 1, "noscript loading stale fast", 0, 0, 0, cmd_multi, false, false, true},
    {"persist", 2, "write fast", 1, 1, 1, cmd_persist, false, false},
    {"ping", -1, "fast", 0, 0, 0, cmd_ping, true, true},
    {"psubscribe", -2, "pubsub noscript loading stale", 0, 0, 0, cmd_psubscribe, false, true},
    {"pttl", 2, "readonly fast", 1, 1, 1, cmd_pttl, false, false},
    {"punsubscribe", -1, "pubsub noscript loading stale", 0, 0, 0, cmd_punsubscribe, false, true},
    {"quit", -1, "noscript loading stale fast no_auth", 0, 0, 0, cmd_quit, true, true, true},
    {"reset", 1, "noscript loading stale fast no_auth", 0, 0, 0, cmd_reset, false, true},
    {"sadd", -3, "write denyoom fast", 1, 1, 1, cmd_sadd, false, false},
    {"scan", -2, "readonly", 0, 0, 0, cmd_scan, false, false},
    {"scard", 2, "readonly fast", 1, 1, 1, cmd_scard, false, false},
    {"select", 2, "loading stale fast", 0, 0, 0, cmd_select, false, false},
    {"set", -3, "write denyoom", 1, 1, 1, cmd_set, false, false},
    {"sismember", 3, "readonly fast", 1, 1, 1, cmd_sismember, false, false},
    {"smembers", 2, "readonly", 1, 1, 1, cmd_smembers, false, false},
    {"srem", -3, "write fast", 1, 1, 1, cmd_srem, false, false},
    {"subscribe", -2, "pubsub noscript loading stale", 0, 0, 0, cmd_subscribe, false, true},
    {"ttl", 2, "readonly fast", 1, 1, 1, cmd_ttl, false, false},
    {"type", 2, "readonly fast", 1, 1, 1, cmd_type, false, false},
    {"unsubscribe", -1, "pubsub noscript loading stale", 0, 0, 0, cmd_unsubscribe, false, true},
};

}  // namespace

std::span<const command_spec> command_table() {
  return commands;
}

const command_spec* find_command(std::string_view name) {
  static const auto by_name = [] {
    std::unordered_map<std::string_view, const command_spec*> map;
    for (const auto& spec : commands) map.emplace(spec.name, &spec);
    return map;
  }();
  char lowered[16];
  if (name.size() > sizeof lowered) return nullptr;
  for (std::size_t i = 0; i < name.size(); ++i) {
    lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const auto found = by_name.find(std::string_view(lowered, name.size()));
  return found == by_name.end() ? nullptr : found->second;
}

std::size_t command_index(const command_spec& spec) {
  return static_cast<std::size_t>(&spec - commands);
}

}  // namespace kv::resp
