// The atomic operations on typed values (contract section 7): incr, sadd, srem, hset, hdel.
// The body is parsed where the request arrives; the owning partition applies the parsed
// operation to the key's current value, so that no two operations on a key interleave.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/typed_text.hpp"
#include "core/value_type.hpp"

namespace kv {

enum class operation_kind { incr, sadd, srem, hset, hdel };

std::optional<operation_kind> operation_from_name(std::string_view name);
// The type of the values an operation works on (incr: the type a missing key is created as).
value_type operated_type(operation_kind kind, std::optional<value_type> requested);

struct typed_operation {
  operation_kind kind = operation_kind::incr;
  // incr: the type a missing key gets, and whether the client asked for it by ?type=.
  value_type type = value_type::int64;
  bool type_requested = false;
  std::string amount = "1";  // incr: the number as written; checked against the key's type
  string_set names;          // sadd, srem: members; hdel: field names
  string_map fields;         // hset
  // Redis's rules, for the RESP transport: incr also works on a bytes or json value whose text
  // is a number (an integer unless `type` is float64, which asks for INCRBYFLOAT's float
  // arithmetic, turning an int or uint into a float), keeping its type; and an operation that
  // changes nothing (SADD of members already there, SREM or HDEL on a missing key) reports
  // `unchanged` so that nothing is written.
  bool redis_rules = false;
};

// `body` of POST ?op=OP, `requested` its ?type=. Throws bad_typed_text.
typed_operation parse_operation(operation_kind kind, std::string_view body,
                                std::optional<value_type> requested);

enum class operation_status {
  ok,
  wrong_type,    // the key holds another type: 409
  out_of_range,  // an int/uint result outside its range, or a float one infinite: 400
  bad_amount,    // an incr amount that the key's type cannot add: 400
  too_large,     // the new value would be over the value size limit: 413
};

struct operation_result {
  operation_status status = operation_status::ok;
  value_type type = value_type::bytes;  // of the new value; on wrong_type, the key's type
  std::string value;                    // the new value's stored text
  std::string message;                  // why, unless ok, to follow "key `K` " or "key `K`: "
  // sadd, hset: the members or fields that were not there; srem, hdel: those removed.
  std::size_t changed = 0;
  // With redis_rules: the value is left as it was (or absent), so there is nothing to write.
  bool unchanged = false;
};

// Applies `op` to the key's current value (`current_type` and `current_text`), or to a new key
// when `exists` is false.
operation_result apply_operation(const typed_operation& op, bool exists, value_type current_type,
                                 std::string_view current_text);

}  // namespace kv
