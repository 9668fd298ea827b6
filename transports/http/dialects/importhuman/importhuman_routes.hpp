// The importhuman/kv-store dialect (dialects.md section 2): /get/{key}, /set, /search and /
// with every value in its JSON type, in Go's encoding.
#pragma once

#include <optional>
#include <string_view>

#include "transports/http/dialects/dialect_routes.hpp"

namespace kv::http::dialects {

std::optional<dialect_route> importhuman_route(std::string_view path);

}  // namespace kv::http::dialects
