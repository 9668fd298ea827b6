// Decoding and validation of keys and query parameters.
#include "transports/http/request_params.hpp"

#include <charconv>

#include "core/key.hpp"
#include "core/percent_decode.hpp"
#include "transports/http/http_error.hpp"

namespace kv::http {

std::string key_from_path(std::string_view raw_key, std::size_t max_key_bytes) {
  auto key = percent_decode(raw_key);
  if (!key) throw bad_request("malformed percent-encoding in key");
  if (auto problem = key_problem(*key, max_key_bytes)) throw bad_request(*problem);
  return std::move(*key);
}

std::optional<std::string> query_text(const request& req, const std::string& name) {
  const auto raw = req.query(name);
  if (!raw) return std::nullopt;
  auto decoded = percent_decode(*raw, plus_means::space);
  if (!decoded) throw bad_request("malformed percent-encoding in query parameter " + name);
  return decoded;
}

std::optional<std::uint64_t> query_unsigned(const request& req, const std::string& name) {
  const auto text = query_text(req, name);
  if (!text) return std::nullopt;
  return parse_unsigned(*text, name);
}

std::uint64_t parse_unsigned(const std::string& text, const std::string& name) {
  std::uint64_t number = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number);
  if (text.empty() || error != std::errc{} || stop != end) {
    throw bad_request(name + " must be a non-negative integer, got \"" + text + "\"");
  }
  return number;
}

bool query_flag(const request& req, const std::string& name) {
  const auto text = query_text(req, name);
  if (!text || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1" || text->empty()) return true;
  throw bad_request(name + " must be true or false, got \"" + *text + "\"");
}

std::uint32_t parse_ttl(const std::string& text, const std::string& name) {
  constexpr std::uint64_t max_ttl_seconds = 1'000'000'000;
  std::uint64_t seconds = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, seconds);
  if (text.empty() || error != std::errc{} || stop != end || seconds == 0 ||
      seconds > max_ttl_seconds) {
    throw bad_request(name + " must be a whole number of seconds from 1 to 1000000000, got \"" +
                      text + "\"");
  }
  return static_cast<std::uint32_t>(seconds);
}

std::uint32_t query_ttl(const request& req) {
  const auto text = query_text(req, "ttl");
  return text ? parse_ttl(*text, "ttl") : 0;
}

void check_value_size(std::size_t size, std::size_t max_value_bytes) {
  if (size > max_value_bytes) {
    throw http_error{413, "payload_too_large",
                     "value is " + std::to_string(size) + " bytes, the limit is " +
                         std::to_string(max_value_bytes)};
  }
}

}  // namespace kv::http
