// Standard base64 (RFC 4648 section 4) for values carried inside JSON.
// Decoding is strict about the alphabet and accepts missing padding.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kv {

std::string base64_encode(std::string_view bytes);

// The length of base64_encode(bytes) for `size` bytes.
constexpr std::size_t base64_size(std::size_t size) {
  return (size + 2) / 3 * 4;
}

// Writes the base64 of `bytes`, base64_size(bytes.size()) characters, at `out`: for text that
// is built around it (an event's JSON), with no string of its own.
void base64_encode_to(std::string_view bytes, char* out);

// Returns nothing when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// At most how many bytes `size` characters of base64 decode to.
constexpr std::size_t base64_decoded_capacity(std::size_t size) {
  return (size + 3) / 4 * 3;
}

// Decodes `text` at `out`, which has room for base64_decoded_capacity(text.size()) bytes: the
// number of bytes written, or nothing when `text` is not base64 (`out` then holds garbage). For
// bytes that go into a larger buffer (a change-log row), with no string of their own.
std::optional<std::size_t> base64_decode_to(std::string_view text, char* out);

}  // namespace kv
