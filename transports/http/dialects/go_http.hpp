// Answers as Go's net/http writes them, shared by the dialects of the two Go services.
#pragma once

#include <string_view>

#include "transports/http/exchange.hpp"

namespace kv::http::dialects {

inline constexpr std::string_view go_text_type = "text/plain; charset=utf-8";

// http.Error: text/plain with charset, X-Content-Type-Options: nosniff, the message and LF.
void send_go_error(const exchange_ptr& ex, int status, std::string_view message);
// http.NotFound: 404 "404 page not found".
void send_go_not_found(const exchange_ptr& ex);
// gorilla/mux on a known path with another method: 405, no body, no Content-Type.
void send_go_method_not_allowed(const exchange_ptr& ex);

}  // namespace kv::http::dialects
