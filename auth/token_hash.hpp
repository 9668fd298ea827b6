// SHA-256 of a bearer token (OpenSSL libcrypto) and the constant-time comparison of two
// digests, so that the tokens file holds digests and a wrong token leaks nothing by timing.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace kv::auth {

using token_digest = std::array<unsigned char, 32>;

token_digest sha256_of(std::string_view token);

// "3a7b..." (64 hex digits, either case) to its bytes; nullopt for anything else.
std::optional<token_digest> digest_from_hex(std::string_view hex);

std::string hex_of(const token_digest& digest);

bool same_digest(const token_digest& a, const token_digest& b);

}  // namespace kv::auth
