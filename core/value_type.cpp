// The names of the value types and the bytes that stand for them.
#include "core/value_type.hpp"

#include <array>

namespace kv {
namespace {

constexpr std::array<std::string_view, max_value_type + 1> names = {
    "bytes", "int", "uint", "float", "set", "hash", "json"};

}  // namespace

std::string_view type_name(value_type type) {
  return names[static_cast<std::uint8_t>(type)];
}

std::optional<value_type> type_from_name(std::string_view name) {
  for (std::uint8_t i = 0; i <= max_value_type; ++i) {
    if (names[i] == name) return static_cast<value_type>(i);
  }
  return std::nullopt;
}

std::optional<value_type> type_from_byte(std::uint8_t byte) {
  if (byte > max_value_type) return std::nullopt;
  return static_cast<value_type>(byte);
}

}  // namespace kv
