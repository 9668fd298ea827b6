// op=expire and op=persist answer {"key":K,"version":N,"expires_at":UNIX_MS|null}; the partition
// rewrites the value with its new deadline, so the answer names the version that change made.
#include "transports/http/expiry_routes.hpp"

#include <nlohmann/json.hpp>

#include "actors/store_api.hpp"
#include "transports/http/key_errors.hpp"
#include "transports/http/routes.hpp"

namespace kv::http {

void add_expiry_header(const exchange_ptr& ex, const read_value& found) {
  if (found.expires_at_ms != 0) {
    ex->add_header("X-Kv-Expires-At", std::to_string(found.expires_at_ms));
  }
}

void change_key_expiry(std::string key, std::optional<std::uint32_t> ttl_seconds,
                       std::optional<std::uint64_t> expected, const exchange_ptr& ex) {
  completion<expiry_outcome> done = [ex, key, expected](std::optional<expiry_outcome> outcome) {
    if (!outcome) return reply_unavailable(ex);
    if (outcome->status == write_status::conflict) {
      return reply_conflict(ex, key, *expected, outcome->version);
    }
    if (!outcome->found) return reply_not_found(ex, key);
    nlohmann::json reply = {{"key", key}, {"version", outcome->version}, {"expires_at", nullptr}};
    if (outcome->expires_at_ms != 0) reply["expires_at"] = outcome->expires_at_ms;
    ex->send_json(200, reply);
  };
  ex->context().store.change_expiry(std::move(key), ttl_seconds, expected, std::move(done));
}

}  // namespace kv::http
