// ZeroMQ CURVE keys as the config file and kvctl give them: Z85 text of 40 characters, checked
// and turned into what libzmq needs (the public key of a secret one, the binary form).
#pragma once

#include <optional>
#include <string>

namespace kv::zmq_feed {

// The 32 key bytes of a 40-character Z85 key; nothing for any other text.
std::optional<std::string> z85_key_bytes(const std::string& z85);

// The Z85 public key of a Z85 secret key (libzmq's zmq_curve_public); nothing when `secret` is
// not a key.
std::optional<std::string> curve_public_key(const std::string& secret);

}  // namespace kv::zmq_feed
