// Fixed-width, varint and length-prefixed encodings. Decoding is strict because it runs on
// bytes read back from disk: a 64-bit varint has at most 10 bytes and no bits beyond 64.
#include "storage/coding.hpp"

namespace kv::storage {
namespace {

constexpr int kMaxVarintBytes = 10;

}  // namespace

void put_fixed32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

std::uint32_t get_fixed32(const char* p) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_length_prefixed(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

std::optional<std::uint64_t> byte_reader::get_varint() {
  std::uint64_t value = 0;
  for (int i = 0; i < kMaxVarintBytes && i < static_cast<int>(rest_.size()); ++i) {
    const auto byte = static_cast<unsigned char>(rest_[i]);
    const std::uint64_t bits = byte & 0x7fU;
    // The tenth byte holds bit 63 only; anything more would overflow.
    if (i == kMaxVarintBytes - 1 && bits > 1) return std::nullopt;
    value |= bits << (7 * i);
    if ((byte & 0x80U) == 0) {
      rest_.remove_prefix(i + 1);
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::uint8_t> byte_reader::get_byte() {
  if (rest_.empty()) return std::nullopt;
  const auto byte = static_cast<std::uint8_t>(rest_.front());
  rest_.remove_prefix(1);
  return byte;
}

std::optional<std::string_view> byte_reader::get_length_prefixed() {
  const std::string_view before = rest_;
  const auto length = get_varint();
  if (!length || *length > rest_.size()) {
    rest_ = before;
    return std::nullopt;
  }
  const std::string_view bytes = rest_.substr(0, *length);
  rest_.remove_prefix(*length);
  return bytes;
}

}  // namespace kv::storage
