// Names and media types of the value types.
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

std::string_view content_type_of(value_type type) {
  switch (type) {
    case value_type::bytes:
      return "application/octet-stream";
    case value_type::int64:
    case value_type::uint64:
    case value_type::float64:
      return "text/plain";
    case value_type::set:
    case value_type::hash:
    case value_type::json:
      return "application/json";
  }
  return "application/octet-stream";
}

}  // namespace kv
