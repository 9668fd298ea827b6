// Timestamps are written as text in UTC with milliseconds, which a TIMESTAMPTZ holds exactly.
#include "sinks/change_row.hpp"

#include <chrono>
#include <cstdio>
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

// Two timestamps a row: written digit by digit, since snprintf and gmtime_r made them the
// largest cost of a row.
std::string timestamp_text(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds(unix_ms)};
  const sys_days day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss clock(time - day);
  const int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) {
    // Years no clock of a node shows: the slow way, as PostgreSQL would print them.
    char text[64];
    const int n = std::snprintf(
        text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d.%03d+00", year,
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
        static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
    return std::string(text, static_cast<std::size_t>(n));
  }
  std::string text = "0000-00-00 00:00:00.000+00";
  const auto digits = [&text](std::size_t end, unsigned value) {
    for (std::size_t i = end; value != 0; value /= 10)
      text[--i] = static_cast<char>('0' + value % 10);
  };
  digits(4, static_cast<unsigned>(year));
  digits(7, static_cast<unsigned>(date.month()));
  digits(10, static_cast<unsigned>(date.day()));
  digits(13, static_cast<unsigned>(clock.hours().count()));
  digits(16, static_cast<unsigned>(clock.minutes().count()));
  digits(19, static_cast<unsigned>(clock.seconds().count()));
  digits(23, static_cast<unsigned>(clock.subseconds().count()));
  return text;
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
