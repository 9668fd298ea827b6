// Go's error answers.
#include "transports/http/dialects/go_http.hpp"

#include <string>

namespace kv::http::dialects {

void send_go_error(const exchange_ptr& ex, int status, std::string_view message) {
  ex->add_header("X-Content-Type-Options", "nosniff");
  ex->send(status, std::string(message) + "\n", go_text_type);
}

void send_go_not_found(const exchange_ptr& ex) {
  send_go_error(ex, 404, "404 page not found");
}

void send_go_method_not_allowed(const exchange_ptr& ex) {
  ex->send_empty(405);
}

}  // namespace kv::http::dialects
