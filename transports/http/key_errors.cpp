// The contract's wording for errors about one key.
#include "transports/http/key_errors.hpp"

namespace kv::http {

std::string quoted(const std::string& text) {
  return "`" + text + "`";
}

void reply_not_found(const exchange_ptr& ex, const std::string& key) {
  ex->send_error(404, "not_found", "no key " + quoted(key) + " found");
}

namespace {

std::string conflict_message(const std::string& key, std::uint64_t expected,
                             std::uint64_t current) {
  if (current == 0) return "key " + quoted(key) + " does not exist";
  if (expected == 0) return "key " + quoted(key) + " already exists";
  return "key " + quoted(key) + " is at version " + std::to_string(current) + ", not " +
         std::to_string(expected);
}

}  // namespace

void reply_conflict(const exchange_ptr& ex, const std::string& key, std::uint64_t expected,
                    std::uint64_t current) {
  ex->add_header("X-Kv-Version", std::to_string(current));
  ex->send_error(409, "conflict", conflict_message(key, expected, current));
}

}  // namespace kv::http
