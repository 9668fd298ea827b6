// The bernata/kvstore dialect (dialects.md section 1): /v1/keys/{key} as JSON, /v1/ping and
// /v1/readiness as text, and 404 for /.
#pragma once

#include <optional>
#include <string_view>

#include "transports/http/dialects/dialect_routes.hpp"

namespace kv::http::dialects {

std::optional<dialect_route> bernata_route(std::string_view path);

}  // namespace kv::http::dialects
