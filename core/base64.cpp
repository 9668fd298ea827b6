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
  std::string out(base64_decoded_capacity(text.size()), '\0');
  const auto size = base64_decode_to(text, out.data());
  if (!size) return std::nullopt;
  out.resize(*size);
  return out;
}

std::optional<std::size_t> base64_decode_to(std::string_view text, char* out) {
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  text.remove_suffix(padding);
  if (text.size() % 4 == 1) return std::nullopt;
  const auto value_at = [&text](std::size_t i) -> std::int32_t {
    return decode_table[static_cast<unsigned char>(text[i])];
  };
  // Four characters, three bytes a step: a character at a time into a string of its own, the
  // decoding was a sixth of the change log writer's work a row.
  char* next = out;
  std::size_t i = 0;
  for (; i + 4 <= text.size(); i += 4) {
    const std::int32_t a = value_at(i), b = value_at(i + 1), c = value_at(i + 2),
                       d = value_at(i + 3);
    if ((a | b | c | d) < 0) return std::nullopt;
    const auto group = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
    next[0] = static_cast<char>(group >> 16);
    next[1] = static_cast<char>(group >> 8 & 0xFF);
    next[2] = static_cast<char>(group & 0xFF);
    next += 3;
  }
  const std::size_t rest = text.size() - i;  // 0, 2 or 3
  if (rest > 0) {
    const std::int32_t a = value_at(i), b = value_at(i + 1), c = rest == 3 ? value_at(i + 2) : 0;
    if ((a | b | c) < 0) return std::nullopt;
    const auto group = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6);
    // Leftover bits must be zero, so each value has exactly one encoding.
    if ((group & (rest == 2 ? 0xFFFFu : 0xFFu)) != 0) return std::nullopt;
    *next++ = static_cast<char>(group >> 16);
    if (rest == 3) *next++ = static_cast<char>(group >> 8 & 0xFF);
  }
  return static_cast<std::size_t>(next - out);
}

}  // namespace kv
