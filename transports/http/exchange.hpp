// One request's answer: the connection it goes out on, held so that an actor thread can answer
// later. It counts as in flight, and is measured, until the last holder lets go of it; one
// that is let go without an answer answers 503, so that no client waits forever.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/access_rules.hpp"
#include "transports/http/connection.hpp"
#include "transports/http/request.hpp"
#include "transports/http/route_table.hpp"
#include "transports/http/server_context.hpp"

namespace kv::http {

// The Content-Types the handlers answer with.
namespace content_type {
inline constexpr std::string_view json = "application/json";
inline constexpr std::string_view octet_stream = "application/octet-stream";
inline constexpr std::string_view text = "text/plain";
}  // namespace content_type

class exchange {
 public:
  exchange(const request& req, connection_ptr conn, server_context& context);
  ~exchange();
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  // The body is left out in answer to HEAD, its headers (Content-Length, Content-Type) are not.
  void send(int status, std::string_view body, std::string_view type);
  void send_empty(int status);
  void send_json(int status, const nlohmann::json& body);
  void send_error(int status, std::string_view code, std::string_view message);
  // Written between the Content-Type and Connection lines; `value` must hold no CR or LF.
  void add_header(std::string_view name, std::string_view value);

  method request_method() const { return method_; }
  // The matched route, for the metrics; unset for a path no route knows.
  void set_route(enum route matched) { route_ = matched; }
  // For answers written around send() (streams), which still count in the metrics.
  void set_status(int status) { status_ = status; }

  // Whether the client may send another request on this connection after the response.
  bool keep_alive() const { return keep_alive_; }
  bool http10() const { return http10_; }
  const connection_ptr& conn() const { return conn_; }
  server_context& context() { return context_; }

  // The bearer token's grant when authentication is on (null when it is off); handlers ask it
  // about each key they read or write.
  void set_grant(std::shared_ptr<const auth::token_grant> grant) { grant_ = std::move(grant); }
  const auth::token_grant* grant() const { return grant_.get(); }
  const std::shared_ptr<const auth::token_grant>& grant_ptr() const { return grant_; }

 private:
  void write_response(int status, std::string_view content_type, std::string_view body);

  connection_ptr conn_;
  server_context& context_;
  bool keep_alive_;
  bool http10_;
  method method_;
  std::string extra_headers_;  // "Name: value\r\n" lines from add_header
  std::optional<enum route> route_;
  std::shared_ptr<const auth::token_grant> grant_;
  int status_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

using exchange_ptr = std::shared_ptr<exchange>;

// The JSON text of a value that may hold invalid UTF-8 (replaced by U+FFFD, never thrown on).
std::string to_json_text(const nlohmann::json& value);

}  // namespace kv::http
