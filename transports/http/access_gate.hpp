// Bearer-token checks of the HTTP routes ([auth] tokens_file): who the caller is (401) and
// whether the caller's token reaches a key (403). With authentication off every check passes.
#pragma once

#include <string_view>

#include "transports/http/exchange.hpp"
#include "transports/http/request.hpp"

namespace kv::http {

// Whether the route is answered to anyone, token or not (/v1/ping, /v1/readiness).
bool open_without_token(enum route route);

// Finds the request's token among those in force and gives its grant to the exchange; throws
// 401 unauthorized (with WWW-Authenticate: Bearer) when there is none or it is not known.
void authenticate(const request& req, exchange& ex);

// Throw 403 forbidden unless the exchange's token may read (write) `key`.
void require_read(const exchange& ex, std::string_view key);
void require_write(const exchange& ex, std::string_view key);
// For routes that name no single store key (the older services' routes): the whole key space.
void require_everything(const exchange& ex, bool for_write);
void require_metrics(const exchange& ex);

// Whether a listing or watch may show `key` to this exchange's caller.
inline bool may_show(const exchange& ex, std::string_view key) {
  return ex.grant() == nullptr || ex.grant()->may_read(key);
}

}  // namespace kv::http
