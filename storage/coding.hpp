// Byte encodings shared by the log and snapshot formats: little-endian fixed-width integers,
// LEB128 varints and length-prefixed bytes, with decoders that never read past their input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kv::storage {

void put_fixed32(std::string& out, std::uint32_t value);
std::uint32_t get_fixed32(const char* p);

void put_varint(std::string& out, std::uint64_t value);
void put_length_prefixed(std::string& out, std::string_view bytes);

// Reads from the front of a byte range and consumes what it read. Every get_ fails (nullopt)
// on truncated, overlong or overflowing input, leaving the reader where it was.
class byte_reader {
 public:
  explicit byte_reader(std::string_view input) : rest_(input) {}

  std::optional<std::uint64_t> get_varint();
  std::optional<std::uint8_t> get_byte();
  // The bytes stay in the input: the view lives as long as the input does.
  std::optional<std::string_view> get_length_prefixed();

  bool empty() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace kv::storage
