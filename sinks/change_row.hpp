// One change as a row of kv_changes (contract section 13), in the text forms PostgreSQL reads:
// for the INSERT writer and its tests, which need no database; the COPY writer's binary rows
// are in copy_binary_row.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/feed_event.hpp"

namespace kv::changelog {

// "put", "delete", "expire": the op column, as in the event JSON.
std::string_view op_name(change_op op);
std::optional<change_op> op_from_name(std::string_view name);

// A TIMESTAMPTZ literal for Unix milliseconds, in UTC: "2024-05-01 12:00:00.123+00".
std::string timestamp_text(std::int64_t unix_ms);

// A BYTEA literal in the hex format: "\x" and two hex digits a byte.
std::string bytea_hex(std::string_view bytes);

struct change_row {
  std::uint64_t rev = 0;
  std::uint64_t partition = 0;
  std::uint64_t seq = 0;
  std::string_view op;
  std::string_view key;
  std::optional<std::string_view> type;  // a put's type name; null for a delete or expiry
  std::optional<std::string> value;      // a put's value as GET prints it; null otherwise
  std::uint64_t version = 0;
  std::string ts;                         // timestamp_text
  std::optional<std::string> expires_at;  // timestamp_text of a put's deadline, null for none
};

// The row of an event made by make_feed_event. Throws std::invalid_argument when a put's JSON
// holds no decodable value (which make_feed_event never makes).
change_row row_of(const feed_event& event);

// The columns in the order of the rows above.
inline constexpr const char* change_columns[] = {
    "rev", "partition", "seq", "op", "key", "type", "value", "version", "ts", "expires_at"};

}  // namespace kv::changelog
