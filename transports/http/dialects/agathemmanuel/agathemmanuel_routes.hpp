// The AgathEmmanuel/key-value-store dialect (dialects.md section 3): FastAPI's /get/{key},
// one-pair /set, /search of values, its 404, 405, 422 and trailing-slash redirects.
#pragma once

#include <optional>
#include <string_view>

#include "transports/http/dialects/dialect_routes.hpp"

namespace kv::http::dialects {

std::optional<dialect_route> agathemmanuel_route(std::string_view path);

}  // namespace kv::http::dialects
