// Formats the reply to a write straight into one string: a JSON document would cost a map, its
// nodes and their strings for each write.
#include "transports/http/write_reply.hpp"

#include <array>
#include <charconv>

#include "core/json_text.hpp"

namespace kv::http {

std::string write_reply_json(std::string_view key, std::uint64_t version, bool created) {
  std::array<char, 20> digits{};
  const auto digits_end = std::to_chars(digits.begin(), digits.end(), version).ptr;
  std::string json;
  json.reserve(key.size() + 64);
  json += created ? R"({"created":true,"key":")" : R"({"created":false,"key":")";
  // Validated keys hold no control characters, so quotes and backslashes are all that JSON
  // requires to be escaped.
  for (const char c : key) {
    if (c == '"' || c == '\\') json += '\\';
    json += c;
  }
  json += R"(","version":)";
  json.append(digits.begin(), digits_end);
  json += '}';
  return json;
}

std::string operation_reply_json(std::string_view key, std::uint64_t version, value_type type,
                                 std::string_view text) {
  std::string json;
  json.reserve(key.size() + text.size() + 64);
  json += R"({"key":)";
  append_json_string(json, key);
  json += R"(,"version":)";
  json += std::to_string(version);
  json += R"(,"type":")";
  json += type_name(type);
  json += R"(","value":)";
  if (type == value_type::set || type == value_type::hash || type == value_type::json) {
    json += text;
  } else {
    append_json_string(json, text);
  }
  json += '}';
  return json;
}

}  // namespace kv::http
