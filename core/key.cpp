// Key validation: length, UTF-8 well-formedness and the control-character ban.
#include "core/key.hpp"

namespace kv {

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // Per RFC 3629 table 3-7: the lead byte fixes the length and the range of the second byte,
    // which is what excludes overlong forms, surrogates and code points above U+10FFFF.
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_min = 0xA0;
      if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_min = 0x90;
      if (lead == 0xF4) second_max = 0x8F;
    } else {
      return false;
    }
    if (size - i < length) return false;
    if (bytes[i + 1] < second_min || bytes[i + 1] > second_max) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

std::optional<std::string> key_problem(std::string_view key, std::size_t max_key_bytes) {
  if (key.empty()) return "key must not be empty";
  if (key.size() > max_key_bytes) {
    return "key is " + std::to_string(key.size()) + " bytes, the limit is " +
           std::to_string(max_key_bytes);
  }
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return "key must not contain control characters";
  }
  if (!is_valid_utf8(key)) return "key must be valid UTF-8";
  return std::nullopt;
}

}  // namespace kv
