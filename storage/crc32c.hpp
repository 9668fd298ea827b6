// CRC-32C (Castagnoli, as in iSCSI, ext4 and LevelDB) over byte ranges, in software or with
// the SSE4.2 crc32 instruction when the CPU has it, and the masking LevelDB applies to stored CRCs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kv::storage::crc32c {

// The CRC of `data` appended to bytes whose CRC is `crc`: value(a + b) == extend(value(a), b).
// Uses the hardware instruction when available; both paths give the same results.
std::uint32_t extend(std::uint32_t crc, const void* data, std::size_t size);

inline std::uint32_t value(const void* data, std::size_t size) {
  return extend(0, data, size);
}
inline std::uint32_t value(std::string_view data) {
  return value(data.data(), data.size());
}

// The two implementations behind extend(), exposed so that tests can compare them.
std::uint32_t extend_software(std::uint32_t crc, const void* data, std::size_t size);
bool hardware_available();
// Only valid when hardware_available().
std::uint32_t extend_hardware(std::uint32_t crc, const void* data, std::size_t size);

// A CRC stored next to the data it covers is masked: the CRC of a string that contains CRCs
// (a log of records, a record holding a log) is otherwise weak, as LevelDB explains.
constexpr std::uint32_t kMaskDelta = 0xa282ead8U;

constexpr std::uint32_t mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

constexpr std::uint32_t unmask(std::uint32_t masked) {
  const std::uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace kv::storage::crc32c
