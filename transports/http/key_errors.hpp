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

// The 409 message of an if_version that did not match: `current` 0 means the key is absent.
std::string conflict_message(const std::string& key, std::uint64_t expected, std::uint64_t current);

}  // namespace kv::http
