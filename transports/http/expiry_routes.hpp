// The expiry parts of /v1/keys/{key} (contract section 8): POST ?op=expire and ?op=persist, and
// the X-Kv-Expires-At header every read of a key with a deadline carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/partition_store.hpp"
#include "transports/http/exchange.hpp"

namespace kv::http {

// X-Kv-Expires-At: UNIX_MS, when `found` has a deadline.
void add_expiry_header(const exchange_ptr& ex, const read_value& found);

// op=expire (`ttl_seconds` set) or op=persist (nullopt).
void change_key_expiry(std::string key, std::optional<std::uint32_t> ttl_seconds,
                       std::optional<std::uint64_t> expected, const exchange_ptr& ex);

}  // namespace kv::http
