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

}  // namespace kv
