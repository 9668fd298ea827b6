// One change as a row of COPY's binary format (PostgreSQL's docs, "COPY ... Binary Format"),
// written straight from the event into the COPY store's buffer; tested without a database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/feed_event.hpp"

namespace kv::changelog {

// What a binary COPY's data starts with: the signature, no flags, an empty header extension.
inline constexpr std::string_view copy_binary_header{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};

// What it ends with: a field count of -1.
inline constexpr std::string_view copy_binary_trailer{"\377\377", 2};

// A TIMESTAMPTZ in binary: microseconds since 2000-01-01 00:00:00 UTC (integer datetimes, the
// only kind PostgreSQL has built since version 10).
constexpr std::int64_t postgres_timestamp(std::int64_t unix_ms) {
  constexpr std::int64_t epoch_2000_ms = 946'684'800'000;
  return (unix_ms - epoch_2000_ms) * 1000;
}

// Appends the event's row, columns in change_columns' order: int8 and int4 big-endian, text as
// its UTF-8 bytes, bytea as the value's bytes (decoded from the event's base64 straight into
// `out`), null for a delete's or expiry's type and value and for a put without a deadline.
// Throws std::invalid_argument when a put's JSON holds no decodable value (which
// make_feed_event never makes).
void append_copy_binary_row(std::string& out, const feed_event& event);

}  // namespace kv::changelog
