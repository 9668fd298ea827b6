// Base64 encoding and decoding.
#include "core/base64.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace kv {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int16_t, 256> make_decode_table() {
  std::array<std::int16_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int16_t>(i);
  }
  return table;
}

constexpr auto decode_table = make_decode_table();

// The two characters of every 12-bit half of a 3-byte group, so that a group takes two lookups.
constexpr std::array<std::array<char, 2>, 4096> make_pair_table() {
  std::array<std::array<char, 2>, 4096> table{};
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = {alphabet[i >> 6], alphabet[i & 63]};
  return table;
}

constexpr auto pair_table = make_pair_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(base64_size(bytes.size()), '=');
  base64_encode_to(bytes, out.data());
  return out;
}

void base64_encode_to(std::string_view bytes, char* out) {
  // Written through a pointer, two characters a lookup: appending a character at a time made
  // this the largest cost of a 4 KiB PUT (each change-feed event carries its value in base64).
  char* next = out;
  const auto byte_at = [&bytes](std::size_t i) -> std::uint32_t {
    return static_cast<unsigned char>(bytes[i]);
  };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = byte_at(i) << 16 | byte_at(i + 1) << 8 | byte_at(i + 2);
    std::memcpy(next, pair_table[group >> 12].data(), 2);
    std::memcpy(next + 2, pair_table[group & 4095].data(), 2);
    next += 4;
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t group = byte_at(i) << 16;
    if (rest == 2) group |= byte_at(i + 1) << 8;
    next[0] = alphabet[group >> 18 & 63];
    next[1] = alphabet[group >> 12 & 63];
    next[2] = rest == 2 ? alphabet[group >> 6 & 63] : '=';
    next[3] = '=';
  }
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  text.remove_suffix(padding);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t group = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = decode_table[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    group = group << 6 | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(group >> bits & 0xFF));
    }
  }
  // Leftover bits must be zero, so each value has exactly one encoding.
  if ((group & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace kv
