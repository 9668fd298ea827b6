// The record log's physical format, LevelDB's: 32 KiB blocks of fragments, each with a 7-byte
// header (masked CRC-32C of type and data, 2-byte length, 1-byte type); short trailers are zeros.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kv::storage::log_format {

constexpr std::size_t kBlockSize = 32768;
// masked crc32c (4 bytes, little-endian) + data length (2 bytes, little-endian) + type (1 byte)
constexpr std::size_t kHeaderSize = 4 + 2 + 1;

// A record that does not fit in what is left of a block is split into FIRST, MIDDLE..., LAST
// fragments; one that fits is a single FULL fragment. A header never spans two blocks.
enum class record_type : std::uint8_t {
  zero = 0,  // never written: what preallocated or zero-filled space looks like
  full = 1,
  first = 2,
  middle = 3,
  last = 4,
};

constexpr std::uint8_t kMaxRecordType = static_cast<std::uint8_t>(record_type::last);

}  // namespace kv::storage::log_format
