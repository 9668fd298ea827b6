// The little-endian, length-prefixed byte encoding shared by the cluster's wire formats (the
// log's commands, the outcomes a leader sends back for forwarded writes).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kv::cluster::wire {

inline void put_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}
inline void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<std::uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads what the put_ functions wrote; throws std::runtime_error("truncated " + what) when the
// input ends early.
class reader {
 public:
  reader(std::string_view in, const char* what) : in_(in), what_(what) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(number(4)); }
  std::uint64_t u64() { return number(8); }
  std::string_view bytes() { return take(u32()); }
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::uint64_t number(int size) {
    const auto b = take(static_cast<std::size_t>(size));
    std::uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  std::string_view take(std::size_t n) {
    if (n > in_.size()) throw std::runtime_error(std::string("truncated ") + what_);
    auto part = in_.substr(0, n);
    in_.remove_prefix(n);
    return part;
  }
  std::string_view in_;
  const char* what_;
};

}  // namespace kv::cluster::wire
