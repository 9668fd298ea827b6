// UTF-8 decoding and encoding one code point at a time, for the text forms of other languages
// (Python's and Go's escapes, Go's case mapping) that work on code points rather than bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kv {

inline constexpr char32_t replacement_character = 0xFFFD;

// The code point of `text` at `at`, advancing `at` past it. A byte that does not start a
// well-formed sequence is U+FFFD and is skipped alone, as Python's and Go's decoders do.
char32_t next_code_point(std::string_view text, std::size_t& at);

void append_utf8(std::string& out, char32_t point);

}  // namespace kv
