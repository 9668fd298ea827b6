// Response writing: JSON bodies, the contract's error body, and connection reuse.
#include "transports/http/exchange.hpp"

#include <nlohmann/json.hpp>

#include "transports/http/response_head.hpp"

namespace kv::http {

// A draining node asks clients to go elsewhere.
exchange::exchange(const request& req, connection_ptr conn, server_context& context)
    : conn_(std::move(conn)),
      context_(context),
      keep_alive_(req.keep_alive() &&
                  context.phase.load(std::memory_order_relaxed) != node_phase::draining),
      http10_(req.http10()),
      method_(req.request_method()) {
  context_.in_flight.fetch_add(1, std::memory_order_relaxed);
}

exchange::~exchange() {
  if (status_ == 0) {
    // Every path that drops a request without an answer is a bug; the client must not hang.
    write_response(503, content_type::json,
                   R"({"error":"unavailable","message":"the request was dropped unanswered"})");
  }
  context_.http.record(route_, method_, status_, std::chrono::steady_clock::now() - started_);
  context_.in_flight.fetch_sub(1, std::memory_order_release);
}

void exchange::send(int status, std::string_view body, std::string_view type) {
  write_response(status, type, body);
}

void exchange::send_empty(int status) {
  write_response(status, {}, {});
}

// The whole response in one buffer and, usually, one send() from this thread.
void exchange::write_response(int status, std::string_view type, std::string_view body) {
  status_ = status;
  std::string response;
  response.reserve(160 + extra_headers_.size() + body.size());
  append_response_head(response, http10_, status, type, extra_headers_, keep_alive_, body.size());
  // HEAD gets the headers GET would get, Content-Length included, and no body (RFC 9110 9.3.2).
  if (method_ != method::head) response.append(body);
  conn_->write(std::move(response), {}, keep_alive_ ? then::next_request : then::close);
}

void exchange::send_json(int status, const nlohmann::json& body) {
  send(status, to_json_text(body), content_type::json);
}

void exchange::send_error(int status, std::string_view code, std::string_view message) {
  send_json(status, {{"error", code}, {"message", message}});
}

void exchange::add_header(std::string_view name, std::string_view value) {
  extra_headers_.append(name).append(": ").append(value).append("\r\n");
}

std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kv::http
