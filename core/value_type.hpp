// The types a value can have (contract section 7), their names on the wire and the one byte
// that stands for each in memory and on disk.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kv {

// The numbers are stored in log records and snapshots: never renumber them.
enum class value_type : std::uint8_t {
  bytes = 0,
  int64 = 1,
  uint64 = 2,
  float64 = 3,
  set = 4,
  hash = 5,
  json = 6,
};

constexpr std::uint8_t max_value_type = static_cast<std::uint8_t>(value_type::json);

// "bytes", "int", "uint", "float", "set", "hash", "json".
std::string_view type_name(value_type type);
std::optional<value_type> type_from_name(std::string_view name);
// The type a stored byte stands for, or nothing for a byte no version of kvnode wrote.
std::optional<value_type> type_from_byte(std::uint8_t byte);

}  // namespace kv
