// Formats the reply to a write straight into one string: a JSON document would cost a map, its
// nodes and their strings for each write.
#include "transports/http/write_reply.hpp"

#include <array>
#include <charconv>

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

}  // namespace kv::http
