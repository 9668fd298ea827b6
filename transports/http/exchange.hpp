// One request's response side: the Pistache writer, moved off the handler thread so that an
// actor thread can answer later. It counts as in flight, and is measured, until the last holder
// lets go of it.
#pragma once

#include <pistache/http.h>

#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "transports/http/route_table.hpp"
#include "transports/http/server_context.hpp"

namespace kv::http {

class exchange {
 public:
  exchange(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter writer,
           server_context& context);
  ~exchange();
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  // The body is left out in answer to HEAD, its headers (Content-Length, Content-Type) are not.
  void send(int status, std::string_view body, const Pistache::Http::Mime::MediaType& type);
  void send_empty(int status);
  void send_json(int status, const nlohmann::json& body);
  void send_error(int status, std::string_view code, std::string_view message);
  // Written between the Content-Type and Connection lines; `value` must hold no CR or LF.
  void add_header(std::string_view name, std::string_view value);

  method request_method() const { return method_; }
  // The matched route, for the metrics; unset for a path no route knows.
  void set_route(enum route matched) { route_ = matched; }
  // For answers written around the writer (streams), which still count in the metrics.
  void set_status(int status) { status_ = status; }

  // Whether the client may send another request on this connection after the response.
  bool keep_alive() const { return keep_alive_; }
  Pistache::Http::ResponseWriter& writer() { return writer_; }
  server_context& context() { return context_; }

 private:
  void write_response(int status, std::string_view content_type, std::string_view body);

  Pistache::Http::ResponseWriter writer_;
  server_context& context_;
  bool keep_alive_;
  bool http10_;
  method method_;
  std::string extra_headers_;  // "Name: value\r\n" lines from add_header
  std::optional<enum route> route_;
  int status_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

using exchange_ptr = std::shared_ptr<exchange>;

// The JSON text of a value that may hold invalid UTF-8 (replaced by U+FFFD, never thrown on).
std::string to_json_text(const nlohmann::json& value);

}  // namespace kv::http
