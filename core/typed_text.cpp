// Parsing written values into their stored text, and the numbers and JSON containers back.
#include "core/typed_text.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace kv {
namespace {

template <class Integer>
Integer parse_integer(std::string_view text, std::string_view what, const char* kind) {
  Integer value{};
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range) {
    throw bad_typed_text(std::string(what) + " is out of the range of " + kind);
  }
  if (text.empty() || error != std::errc() || stop != end) {
    throw bad_typed_text(std::string(what) + " is not " + kind + " in decimal");
  }
  return value;
}

nlohmann::json parse_json(std::string_view text, std::string_view what) {
  auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) throw bad_typed_text(std::string(what) + " is not valid JSON");
  return document;
}

}  // namespace

std::int64_t parse_int64(std::string_view text, std::string_view what) {
  return parse_integer<std::int64_t>(text, what, "a signed 64-bit integer");
}

std::uint64_t parse_uint64(std::string_view text, std::string_view what) {
  return parse_integer<std::uint64_t>(text, what, "an unsigned 64-bit integer");
}

double parse_float64(std::string_view text, std::string_view what) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range) {
    throw bad_typed_text(std::string(what) + " is out of the range of a double");
  }
  if (text.empty() || error != std::errc() || stop != end) {
    throw bad_typed_text(std::string(what) + " is not a decimal number");
  }
  // from_chars reads "inf" and "nan" too; neither has a place in a stored number.
  if (!std::isfinite(value)) throw bad_typed_text(std::string(what) + " must be a finite number");
  return value;
}

std::string float_text(double value) {
  char digits[32];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
  return std::string(digits, end);
}

string_set parse_string_array(std::string_view json, std::string_view what) {
  const auto document = parse_json(json, what);
  if (!document.is_array())
    throw bad_typed_text(std::string(what) + " must be a JSON array of strings");
  string_set members;
  for (const auto& member : document) {
    if (!member.is_string()) {
      throw bad_typed_text(std::string(what) + " must be a JSON array of strings, not hold " +
                           member.dump());
    }
    members.insert(member.get<std::string>());
  }
  return members;
}

string_map parse_string_object(std::string_view json, std::string_view what) {
  const auto document = parse_json(json, what);
  if (!document.is_object()) {
    throw bad_typed_text(std::string(what) + " must be a JSON object of string values");
  }
  string_map fields;
  for (const auto& [field, value] : document.items()) {
    if (!value.is_string()) {
      throw bad_typed_text(std::string(what) + ": field " + nlohmann::json(field).dump() +
                           " must have a string value");
    }
    fields.insert_or_assign(field, value.get<std::string>());
  }
  return fields;
}

std::string set_text(const string_set& members) {
  return nlohmann::json(members).dump();
}

std::string hash_text(const string_map& fields) {
  return nlohmann::json(fields).dump();
}

std::string canonical_text(value_type type, std::string_view text) {
  switch (type) {
    case value_type::bytes:
      return std::string(text);
    case value_type::int64:
      return std::to_string(parse_int64(text, "the value"));
    case value_type::uint64:
      return std::to_string(parse_uint64(text, "the value"));
    case value_type::float64:
      return float_text(parse_float64(text, "the value"));
    case value_type::set:
      return set_text(parse_string_array(text, "the value"));
    case value_type::hash:
      return hash_text(parse_string_object(text, "the value"));
    case value_type::json:
      return parse_json(text, "the value").dump();
  }
  throw bad_typed_text("unknown type");
}

}  // namespace kv
