// incr on the three number types with range checks in 128-bit arithmetic, and the set and hash
// operations on the ordered containers decoded from the stored text.
#include "core/typed_operation.hpp"

#include <cmath>
#include <limits>

namespace kv {
namespace {

using wide = __int128;

// An integer amount as text: optional '-', then up to the digits of uint64 max.
std::optional<wide> integer_amount(std::string_view text) {
  const bool negative = text.starts_with('-');
  try {
    const wide magnitude = parse_uint64(negative ? text.substr(1) : text, "amount");
    return negative ? -magnitude : magnitude;
  } catch (const bad_typed_text&) {
    return std::nullopt;
  }
}

operation_result refused(operation_status status, value_type type, std::string message) {
  return {status, type, {}, std::move(message)};
}

operation_result incr(const typed_operation& op, bool exists, value_type type,
                      std::string_view text) {
  if (!exists) type = op.type;
  if (type == value_type::float64) {
    const double current = exists ? parse_float64(text, "stored value") : 0.0;
    const double sum = current + parse_float64(op.amount, "amount");
    if (!std::isfinite(sum)) {
      return refused(operation_status::out_of_range, type, "the result is not a finite double");
    }
    return {operation_status::ok, type, float_text(sum), {}};
  }
  const auto amount = integer_amount(op.amount);
  if (!amount) {
    return refused(
        operation_status::bad_amount, type,
        "the amount must be an integer for a value of type " + std::string(type_name(type)));
  }
  if (type == value_type::int64) {
    const wide sum = (exists ? parse_int64(text, "stored value") : 0) + *amount;
    if (sum < std::numeric_limits<std::int64_t>::min() ||
        sum > std::numeric_limits<std::int64_t>::max()) {
      return refused(operation_status::out_of_range, type,
                     "the result is out of the range of a signed 64-bit integer");
    }
    return {operation_status::ok, type, std::to_string(static_cast<std::int64_t>(sum)), {}};
  }
  const wide sum = (exists ? parse_uint64(text, "stored value") : 0) + *amount;
  if (sum < 0 || sum > std::numeric_limits<std::uint64_t>::max()) {
    return refused(operation_status::out_of_range, type,
                   "the result is out of the range of an unsigned 64-bit integer");
  }
  return {operation_status::ok, type, std::to_string(static_cast<std::uint64_t>(sum)), {}};
}

operation_result on_set(const typed_operation& op, bool exists, std::string_view text) {
  string_set members = exists ? parse_string_array(text, "stored value") : string_set{};
  std::size_t changed = 0;
  for (const std::string& name : op.names) {
    if (op.kind == operation_kind::sadd) {
      changed += members.insert(name).second ? 1 : 0;
    } else {
      changed += members.erase(name);
    }
  }
  operation_result result{operation_status::ok, value_type::set, set_text(members), {}};
  result.changed = changed;
  result.unchanged = op.redis_rules && changed == 0 && (exists || op.kind == operation_kind::srem);
  return result;
}

operation_result on_hash(const typed_operation& op, bool exists, std::string_view text) {
  string_map fields = exists ? parse_string_object(text, "stored value") : string_map{};
  std::size_t changed = 0;
  bool modified = false;
  if (op.kind == operation_kind::hset) {
    for (const auto& [field, value] : op.fields) {
      const auto [at, added] = fields.try_emplace(field, value);
      if (added) {
        ++changed;
        modified = true;
      } else if (at->second != value) {
        at->second = value;
        modified = true;
      }
    }
  } else {
    for (const std::string& field : op.names) changed += fields.erase(field);
    modified = changed > 0;
  }
  operation_result result{operation_status::ok, value_type::hash, hash_text(fields), {}};
  result.changed = changed;
  result.unchanged = op.redis_rules && !modified && (exists || op.kind == operation_kind::hdel);
  return result;
}

// Redis's string2ll: an optional '-', then digits without a leading zero (but "0"), in range.
std::optional<std::int64_t> redis_integer(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  const bool negative = text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || (digits.size() > 1 && digits.front() == '0') ||
      (negative && digits == "0")) {
    return std::nullopt;
  }
  try {
    const wide magnitude = parse_uint64(digits, "value");
    const wide value = negative ? -magnitude : magnitude;
    if (value < std::numeric_limits<std::int64_t>::min() ||
        value > std::numeric_limits<std::int64_t>::max()) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(value);
  } catch (const bad_typed_text&) {
    return std::nullopt;
  }
}

// incr with Redis's rules (see typed_operation::redis_rules).
operation_result redis_incr(const typed_operation& op, bool exists, value_type type,
                            std::string_view text) {
  const bool as_float = op.type == value_type::float64;
  if (!exists) type = as_float ? value_type::float64 : value_type::int64;
  const bool text_number = type == value_type::bytes || type == value_type::json;
  if (as_float) {
    double current = 0.0;
    if (exists) {
      try {
        current = parse_float64(text, "stored value");
      } catch (const bad_typed_text&) {
        return refused(operation_status::bad_amount, type, "value is not a valid float");
      }
    }
    const double sum = current + parse_float64(op.amount, "amount");
    if (!std::isfinite(sum)) {
      return refused(operation_status::out_of_range, type,
                     "increment would produce NaN or Infinity");
    }
    return {operation_status::ok, text_number ? type : value_type::float64, float_text(sum), {}};
  }
  if (type == value_type::float64) {
    return refused(operation_status::bad_amount, type, "value is not an integer or out of range");
  }
  if (!text_number) {
    typed_operation typed = op;
    typed.redis_rules = false;
    return incr(typed, exists, type, text);
  }
  const auto current = redis_integer(text);
  const auto amount = integer_amount(op.amount);
  if (!current || !amount) {
    return refused(operation_status::bad_amount, type, "value is not an integer or out of range");
  }
  const wide sum = wide{*current} + *amount;
  if (sum < std::numeric_limits<std::int64_t>::min() ||
      sum > std::numeric_limits<std::int64_t>::max()) {
    return refused(operation_status::out_of_range, type, "increment or decrement would overflow");
  }
  return {operation_status::ok, type, std::to_string(static_cast<std::int64_t>(sum)), {}};
}

}  // namespace

std::optional<operation_kind> operation_from_name(std::string_view name) {
  if (name == "incr") return operation_kind::incr;
  if (name == "sadd") return operation_kind::sadd;
  if (name == "srem") return operation_kind::srem;
  if (name == "hset") return operation_kind::hset;
  if (name == "hdel") return operation_kind::hdel;
  return std::nullopt;
}

value_type operated_type(operation_kind kind, std::optional<value_type> requested) {
  switch (kind) {
    case operation_kind::incr:
      return requested.value_or(value_type::int64);
    case operation_kind::sadd:
    case operation_kind::srem:
      return value_type::set;
    case operation_kind::hset:
    case operation_kind::hdel:
      return value_type::hash;
  }
  return value_type::bytes;
}

typed_operation parse_operation(operation_kind kind, std::string_view body,
                                std::optional<value_type> requested) {
  typed_operation op;
  op.kind = kind;
  switch (kind) {
    case operation_kind::incr:
      if (requested && *requested != value_type::int64 && *requested != value_type::uint64 &&
          *requested != value_type::float64) {
        throw bad_typed_text("incr works on int, uint and float, not " +
                             std::string(type_name(*requested)));
      }
      op.type = operated_type(kind, requested);
      op.type_requested = requested.has_value();
      if (!body.empty()) op.amount = std::string(body);
      // Any amount must at least be a finite number; whether it must be an integer depends on
      // the key's type, which only the partition knows.
      parse_float64(op.amount, "the amount");
      break;
    case operation_kind::sadd:
    case operation_kind::srem:
      op.type = value_type::set;
      op.names = parse_string_array(body, "the body");
      break;
    case operation_kind::hset:
      op.type = value_type::hash;
      op.fields = parse_string_object(body, "the body");
      break;
    case operation_kind::hdel:
      op.type = value_type::hash;
      op.names = parse_string_array(body, "the body");
      break;
  }
  return op;
}

operation_result apply_operation(const typed_operation& op, bool exists, value_type current_type,
                                 std::string_view current_text) {
  const bool number_op = op.kind == operation_kind::incr;
  if (number_op && op.redis_rules) {
    const bool string_like =
        current_type == value_type::bytes || current_type == value_type::json ||
        current_type == value_type::int64 || current_type == value_type::uint64 ||
        current_type == value_type::float64;
    if (exists && !string_like) {
      return refused(
          operation_status::wrong_type, current_type,
          "holds a value of type " + std::string(type_name(current_type)) + ", not a number");
    }
    return redis_incr(op, exists, current_type, current_text);
  }
  const bool fits =
      number_op ? (current_type == value_type::int64 || current_type == value_type::uint64 ||
                   current_type == value_type::float64) &&
                      (!op.type_requested || current_type == op.type)
                : current_type == op.type;
  if (exists && !fits) {
    // incr takes any number type unless ?type= named one.
    const std::string wanted =
        number_op && !op.type_requested ? "int, uint or float" : std::string(type_name(op.type));
    return refused(
        operation_status::wrong_type, current_type,
        "holds a value of type " + std::string(type_name(current_type)) + ", not " + wanted);
  }
  switch (op.kind) {
    case operation_kind::incr:
      return incr(op, exists, current_type, current_text);
    case operation_kind::sadd:
    case operation_kind::srem:
      return on_set(op, exists, current_text);
    case operation_kind::hset:
    case operation_kind::hdel:
      return on_hash(op, exists, current_text);
  }
  return refused(operation_status::wrong_type, current_type, "unknown operation");
}

}  // namespace kv
