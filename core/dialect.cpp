// Looking dialects up by name and back.
#include "core/dialect.hpp"

namespace kv {

std::optional<dialect> dialect_from_name(std::string_view name) {
  for (const auto& info : known_dialects) {
    if (info.name == name) return info.id;
  }
  return std::nullopt;
}

std::string_view dialect_name(dialect id) {
  for (const auto& info : known_dialects) {
    if (info.id == id) return info.name;
  }
  return "unknown";
}

}  // namespace kv
