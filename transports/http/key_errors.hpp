// The error answers about one key that the plain and typed key routes share: a missing key,
// and a compare-and-swap that found another version.
#pragma once

#include <cstdint>
#include <string>

#include "transports/http/exchange.hpp"

namespace kv::http {

// `text` in backquotes, as the contract's messages name keys.
std::string quoted(const std::string& text);

// 404 not_found: ``no key `KEY` found``.
void reply_not_found(const exchange_ptr& ex, const std::string& key);

// 409 conflict of an if_version that did not match, with the key's version then in the header
// X-Kv-Version (0: the key is absent), as a GET gives it, so a retry needs no parsing of text.
void reply_conflict(const exchange_ptr& ex, const std::string& key, std::uint64_t expected,
                    std::uint64_t current);

}  // namespace kv::http
