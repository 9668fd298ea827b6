// Standard base64 (RFC 4648 section 4) for values carried inside JSON.
// Decoding is strict about the alphabet and accepts missing padding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kv {

std::string base64_encode(std::string_view bytes);

// Returns nothing when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kv
