// Percent-decoding of URI path segments and query values (RFC 3986), which the HTTP parser
// leaves to us. Malformed escapes are reported, never guessed at.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kv {

enum class plus_means { plus, space };

// Decodes %XX escapes; with plus_means::space a '+' becomes ' ' (form-encoded query values).
// Returns nothing when an escape is malformed ('%' not followed by two hex digits).
std::optional<std::string> percent_decode(std::string_view text,
                                          plus_means plus = plus_means::plus);

}  // namespace kv
