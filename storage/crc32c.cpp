// CRC-32C: slicing-by-8 tables built at compile time, and the SSE4.2 instruction chosen once at
// run time, so one binary runs on any x86-64 and uses the fast path where the CPU has it.
#include "storage/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace kv::storage::crc32c {
namespace {

constexpr std::uint32_t kPolynomial = 0x82f63b78U;  // Castagnoli, bit-reversed

using slice_tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets the loop fold 8 input bytes with 8 independent look-ups.
constexpr slice_tables make_tables() {
  slice_tables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1U) != 0 ? kPolynomial : 0);
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < tables.size(); ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const std::uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xffU];
    }
  }
  return tables;
}

constexpr slice_tables kTables = make_tables();

std::uint32_t load_le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t crc, const void* data,
                                                             std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t state = ~crc;
  for (; size >= 8; p += 8, size -= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);  // x86 is little-endian, as the CRC expects
    state = _mm_crc32_u64(state, word);
  }
  auto narrow = static_cast<std::uint32_t>(state);
  for (; size > 0; ++p, --size) narrow = _mm_crc32_u8(narrow, *p);
  return ~narrow;
}
#endif

using extend_function = std::uint32_t (*)(std::uint32_t, const void*, std::size_t);

extend_function choose_implementation() {
  return hardware_available() ? extend_hardware : extend_software;
}

}  // namespace

std::uint32_t extend_software(std::uint32_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t state = ~crc;
  for (; size >= 8; p += 8, size -= 8) {
    const std::uint32_t low = load_le32(p) ^ state;
    const std::uint32_t high = load_le32(p + 4);
    state = kTables[7][low & 0xffU] ^ kTables[6][(low >> 8) & 0xffU] ^
            kTables[5][(low >> 16) & 0xffU] ^ kTables[4][low >> 24] ^ kTables[3][high & 0xffU] ^
            kTables[2][(high >> 8) & 0xffU] ^ kTables[1][(high >> 16) & 0xffU] ^
            kTables[0][high >> 24];
  }
  for (; size > 0; ++p, --size) state = (state >> 8) ^ kTables[0][(state ^ *p) & 0xffU];
  return ~state;
}

bool hardware_available() {
#if defined(__x86_64__)
  static const bool available = __builtin_cpu_supports("sse4.2") != 0;
  return available;
#else
  return false;
#endif
}

std::uint32_t extend_hardware(std::uint32_t crc, const void* data, std::size_t size) {
#if defined(__x86_64__)
  return extend_sse42(crc, data, size);
#else
  return extend_software(crc, data, size);
#endif
}

std::uint32_t extend(std::uint32_t crc, const void* data, std::size_t size) {
  static const extend_function implementation = choose_implementation();
  return implementation(crc, data, size);
}

}  // namespace kv::storage::crc32c
