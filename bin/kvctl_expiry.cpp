// kvctl's expiry commands: expire and persist change a key's deadline (POST ?op=expire|persist),
// ttl prints the seconds a key has left, as Redis's TTL does (-1: no expiry).
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "bin/kvctl_commands.hpp"
#include "bin/kvctl_output.hpp"
#include "client/kv_client.hpp"

namespace kvctl {
namespace {

using kv::client::kv_client;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The seconds left until `expires_at_ms`, rounded up so that a live key never shows 0 early.
std::int64_t seconds_left(std::int64_t expires_at_ms) {
  const std::int64_t left_ms = expires_at_ms - unix_ms_now();
  return left_ms <= 0 ? 0 : (left_ms + 999) / 1000;
}

int change_expiry(const invocation& args, std::string_view op, const std::string& body) {
  return with_client(args, [&](kv_client& client) {
    const std::string reply = client.operate(args.key, op, body, args.if_version);
    if (args.json) {
      print_line(reply);
      return exit_ok;
    }
    const auto document = nlohmann::json::parse(reply, nullptr, false);
    if (document.is_discarded() || !document.contains("version")) {
      throw std::runtime_error("unexpected reply from the server: " + reply);
    }
    const std::string version = " (version " + document["version"].dump() + ")";
    print_line(op == "expire" ? quoted(args.key) + " expires in " + body + " s" + version
                              : quoted(args.key) + " has no expiry" + version);
    return exit_ok;
  });
}

}  // namespace

int expire_command(const invocation& args) {
  return change_expiry(args, "expire", std::to_string(*args.ttl_seconds));
}

int persist_command(const invocation& args) {
  return change_expiry(args, "persist", "");
}

int ttl_command(const invocation& args) {
  return with_client(args, [&](kv_client& client) {
    const auto found = client.get(args.key);
    if (!found) {
      print_error(missing_key_message(args.key));
      return exit_failed;
    }
    const std::int64_t left = found->expires_at_ms == 0 ? -1 : seconds_left(found->expires_at_ms);
    if (args.json) {
      nlohmann::json reply = {{"key", args.key}, {"ttl", left}, {"expires_at", nullptr}};
      if (found->expires_at_ms != 0) reply["expires_at"] = found->expires_at_ms;
      print_json(reply);
    } else {
      print_line(std::to_string(left));
    }
    return exit_ok;
  });
}

}  // namespace kvctl
