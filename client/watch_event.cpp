// Reading the event JSON of the change feed; anything malformed is reported as an unexpected
// reply rather than printed half-understood.
#include "client/watch_event.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/base64.hpp"

namespace kv::client {
namespace {

[[noreturn]] void reject(const std::string& reason) {
  throw std::runtime_error("unexpected event from the node: " + reason);
}

// nlohmann converts -1 to 2^64-1 when asked for an unsigned number; counts must not pass so.
std::uint64_t count_field(const nlohmann::json& json, const char* name) {
  const auto& field = json.at(name);
  if (!field.is_number_unsigned()) reject(std::string("`") + name + "` is not a count");
  return field.get<std::uint64_t>();
}

}  // namespace

watch_event parse_watch_event(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, false);
  if (!json.is_object()) reject("not a JSON object");
  watch_event event;
  try {
    const auto op = json.at("op").get<std::string>();
    if (op != "put" && op != "delete" && op != "expire") reject("unknown op `" + op + "`");
    event.is_put = op == "put";
    event.expired = op == "expire";
    event.key = json.at("key").get<std::string>();
    event.partition = count_field(json, "partition");
    event.seq = count_field(json, "seq");
    event.rev = count_field(json, "rev");
    if (event.is_put) {
      auto value = base64_decode(json.at("value").get<std::string>());
      if (!value) reject("the value is not base64");
      event.value = std::move(*value);
    }
  } catch (const nlohmann::json::exception& error) {
    reject(error.what());
  }
  return event;
}

}  // namespace kv::client
