// What a valid key is (contract section 1): 1 to max_key_bytes bytes of UTF-8 without control
// characters. One check shared by every route and transport that accepts a key.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kv {

// Returns why `key` is not a valid key, or nothing when it is.
std::optional<std::string> key_problem(std::string_view key, std::size_t max_key_bytes);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace kv
