// Timestamps are written as text in UTC with milliseconds, which a TIMESTAMPTZ holds exactly.
#include "sinks/change_row.hpp"

#include <ctime>
#include <stdexcept>

#include "core/base64.hpp"
#include "core/value_type.hpp"

namespace kv::changelog {

std::string_view op_name(change_op op) {
  switch (op) {
    case change_op::put:
      return "put";
    case change_op::del:
      return "delete";
    case change_op::expire:
      return "expire";
  }
  return "put";
}

std::optional<change_op> op_from_name(std::string_view name) {
  if (name == "put") return change_op::put;
  if (name == "delete") return change_op::del;
  if (name == "expire") return change_op::expire;
  return std::nullopt;
}

std::string timestamp_text(std::int64_t unix_ms) {
  std::int64_t seconds = unix_ms / 1000;
  std::int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[48];
  const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00",
                              utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                              utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return std::string(text, static_cast<std::size_t>(n));
}

std::string bytea_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.resize(2 + bytes.size() * 2);
  out[0] = '\\';
  out[1] = 'x';
  std::size_t i = 2;
  for (const unsigned char byte : bytes) {
    out[i++] = digits[byte >> 4];
    out[i++] = digits[byte & 0x0f];
  }
  return out;
}

change_row row_of(const feed_event& event) {
  const change_facts& facts = event.facts;
  change_row row;
  row.rev = event.rev;
  row.partition = facts.partition;
  row.seq = facts.seq;
  row.op = op_name(facts.op);
  row.key = event.key;
  row.version = facts.version;
  row.ts = timestamp_text(facts.ts_ms);
  if (facts.op == change_op::put) {
    auto value = base64_decode(event_value_base64(event));
    if (!value) throw std::invalid_argument("event " + std::to_string(event.rev) + " has no value");
    row.value = std::move(*value);
    row.type = type_name(facts.type);
    if (facts.expires_at_ms != 0) row.expires_at = timestamp_text(facts.expires_at_ms);
  }
  return row;
}

}  // namespace kv::changelog
