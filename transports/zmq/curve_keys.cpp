// Z85 decoding and public-key derivation through libzmq's own functions.
#include "transports/zmq/curve_keys.hpp"

#include <zmq.h>

#include <array>

namespace kv::zmq_feed {

std::optional<std::string> z85_key_bytes(const std::string& z85) {
  if (z85.size() != 40) return std::nullopt;
  std::array<std::uint8_t, 32> bytes{};
  if (zmq_z85_decode(bytes.data(), z85.c_str()) == nullptr) return std::nullopt;
  return std::string(bytes.begin(), bytes.end());
}

std::optional<std::string> curve_public_key(const std::string& secret) {
  if (!z85_key_bytes(secret)) return std::nullopt;
  std::array<char, 41> public_key{};
  if (zmq_curve_public(public_key.data(), secret.c_str()) != 0) return std::nullopt;
  return std::string(public_key.data(), 40);
}

}  // namespace kv::zmq_feed
