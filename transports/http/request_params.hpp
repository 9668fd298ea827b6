// Reading a request's key and query parameters, decoded and checked; bad input throws the
// http_error that the client gets back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transports/http/request.hpp"

namespace kv::http {

// The key of a {key} route from the raw path rest: percent-decoded, then validated.
std::string key_from_path(std::string_view raw_key, std::size_t max_key_bytes);

// A decoded query parameter ('+' is a space), or nothing when absent.
std::optional<std::string> query_text(const request& req, const std::string& name);
std::optional<std::uint64_t> query_unsigned(const request& req, const std::string& name);
// `text` as a non-negative decimal integer; a 400 naming `name` (a parameter or header) if not.
std::uint64_t parse_unsigned(const std::string& text, const std::string& name);
bool query_flag(const request& req, const std::string& name);
// An expiry in whole seconds, 1 to 10^9 (contract section 8); a 400 naming `name` if not.
std::uint32_t parse_ttl(const std::string& text, const std::string& name);
// ?ttl=, or 0 when absent.
std::uint32_t query_ttl(const request& req);

// A value must fit limits.max_value_bytes (413 otherwise).
void check_value_size(std::size_t size, std::size_t max_value_bytes);

}  // namespace kv::http
