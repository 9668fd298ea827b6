// Binary rather than text: PostgreSQL parsed each row's timestamp text and bytea hex, and the
// writer escaped them; here numbers are copied in network byte order and bytes as they are.
#include "sinks/copy_binary_row.hpp"

#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <type_traits>

#include "core/base64.hpp"
#include "core/value_type.hpp"
#include "sinks/change_row.hpp"

namespace kv::changelog {
namespace {

constexpr std::int16_t field_count = std::size(change_columns);

// A row's bytes but for its op, key, type and value: the field count, a length a field, and
// rev, partition, seq, version, ts and expires_at.
constexpr std::size_t fixed_bytes = 2 + field_count * 4 + (8 + 4 + 8 + 8 + 8 + 8);

// Writes `value` big-endian at `at`, returning the byte after it.
template <typename Int>
char* put_big_endian(char* at, Int value) {
  auto bits = static_cast<std::make_unsigned_t<Int>>(value);
  for (std::size_t i = sizeof(Int); i-- > 0; bits >>= 8) at[i] = static_cast<char>(bits & 0xFF);
  return at + sizeof(Int);
}

// A field of a fixed-size type: its length, then its value.
template <typename Int>
char* put_number(char* at, Int value) {
  return put_big_endian(put_big_endian(at, std::int32_t{sizeof(Int)}), value);
}

char* put_text(char* at, std::string_view text) {
  at = put_big_endian(at, static_cast<std::int32_t>(text.size()));
  text.copy(at, text.size());
  return at + text.size();
}

char* put_null(char* at) {
  return put_big_endian(at, std::int32_t{-1});
}

}  // namespace

void append_copy_binary_row(std::string& out, const feed_event& event) {
  const change_facts& facts = event.facts;
  const bool put = facts.op == change_op::put;
  const std::string_view op = op_name(facts.op);
  const std::string_view type = put ? type_name(facts.type) : std::string_view();
  const std::string_view base64 = put ? event_value_base64(event) : std::string_view();
  // The row at its largest, sized once; cut to what the value decoded to at the end.
  const std::size_t start = out.size();
  out.resize(start + fixed_bytes + op.size() + event.key.size() + type.size() +
             base64_decoded_capacity(base64.size()));
  char* at = out.data() + start;
  at = put_big_endian(at, field_count);
  at = put_number(at, static_cast<std::int64_t>(event.rev));
  at = put_number(at, static_cast<std::int32_t>(facts.partition));
  at = put_number(at, static_cast<std::int64_t>(facts.seq));
  at = put_text(at, op);
  at = put_text(at, event.key);
  if (put) {
    at = put_text(at, type);
    const auto size = base64_decode_to(base64, at + 4);
    if (!size) {
      out.resize(start);
      throw std::invalid_argument("event " + std::to_string(event.rev) + " has no value");
    }
    at = put_big_endian(at, static_cast<std::int32_t>(*size)) + *size;
  } else {
    at = put_null(put_null(at));
  }
  at = put_number(at, static_cast<std::int64_t>(facts.version));
  at = put_number(at, postgres_timestamp(facts.ts_ms));
  if (put && facts.expires_at_ms != 0) {
    at = put_number(at, postgres_timestamp(facts.expires_at_ms));
  } else {
    at = put_null(at);
  }
  out.resize(static_cast<std::size_t>(at - out.data()));
}

}  // namespace kv::changelog
