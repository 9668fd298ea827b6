// Escaping and quoting for the one-line configuration errors.
#include "node/config_text.hpp"

#include <array>
#include <cstdio>

namespace kv {

config_error make_config_error(std::string_view message) {
  std::string line;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      std::array<char, 5> escape{};
      std::snprintf(escape.data(), escape.size(), "\\x%02X", byte);
      line += escape.data();
    } else {
      line += c;
    }
  }
  return config_error(line);
}

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

}  // namespace kv
