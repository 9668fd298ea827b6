// The typed-value parts of /v1/keys/{key} (contract section 7): reading one hash field or set
// member, atomic operations, and the type, media type and stored text of a written value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/shared_bytes.hpp"
#include "core/value_type.hpp"
#include "transports/http/exchange.hpp"
#include "transports/http/request.hpp"

namespace kv::http {

// ?type=T, or nothing when absent; an unknown name is a 400.
std::optional<value_type> query_type(const request& req);

// What GET answers a value of `type` with as its Content-Type.
std::string_view media_type_of(value_type type);

// `body` as the stored text of `type`: a 400 when it does not parse as one, a 413 when it or
// its stored text is over the value limit.
shared_bytes stored_text(value_type type, const std::string& body, std::size_t max_value_bytes);

// GET ?field=F of a hash, ?member=M of a set.
void get_field(std::string key, std::string field, const exchange_ptr& ex);
void get_member(std::string key, std::string member, const exchange_ptr& ex);

// POST ?op=OP.
void operate_on_key(std::string key, const std::string& op_name, const std::string& body,
                    std::optional<value_type> requested, std::optional<std::uint64_t> expected,
                    const exchange_ptr& ex);

}  // namespace kv::http
