// The routes a dialect takes over from contract section 2 on the paths the older services
// share (contract section 9). The dispatcher asks first whether the node's dialect owns a path;
// everything it does not own is served as always.
#pragma once

#include <optional>
#include <string_view>

#include "core/dialect.hpp"
#include "transports/http/exchange.hpp"
#include "transports/http/request.hpp"
#include "transports/http/route_table.hpp"

namespace kv::http::dialects {

// Answers in the dialect's own words, wrong methods and bad input included: it throws nothing
// the dispatcher would turn into a contract error body.
using dialect_handler = void (*)(const request& req, const exchange_ptr& ex);

struct dialect_route {
  // The metrics label: the native route of the same path template, so labels stay bounded.
  enum route label;
  // Whether it reads or writes keys, which waits for recovery.
  bool touches_keys;
  dialect_handler serve;
};

// The route of `id` that owns `path` (still percent-encoded), or nothing.
std::optional<dialect_route> dialect_route_for(dialect id, std::string_view path);

}  // namespace kv::http::dialects
