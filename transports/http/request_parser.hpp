// Incremental HTTP/1.1 request parsing on Node's http_parser, with the node's limits: one
// request at a time, so that pipelined requests are answered in order.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>

#include "transports/http/request.hpp"

namespace kv::http {

struct parse_limits {
  // The request line and headers together: 414 or 431 past this.
  std::size_t max_head_bytes = 64 << 10;
  // The body, declared or chunked: 413 past this, before any of it is read.
  std::size_t max_body_bytes = 1 << 20;
};

// Why a request was refused: the status, and the contract's error code (bad_request, or
// payload_too_large for 413) and message.
struct parse_error {
  int status = 400;
  std::string code = "bad_request";
  std::string message;
};

class request_parser {
 public:
  enum class progress { need_more, complete, failed };

  explicit request_parser(parse_limits limits);
  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;

  // Parses up to one whole request from `data` and returns how many bytes it used; the rest
  // belongs to the next request and must be fed again after next().
  std::size_t feed(const char* data, std::size_t size);
  progress state() const { return state_; }
  // The complete request (state() == complete); next() clears it.
  request& current() { return request_; }
  const parse_error& error() const { return error_; }
  // Whether some of a request has arrived but not all of it.
  bool mid_request() const { return state_ == progress::need_more && started_; }
  // True once per request that sent "Expect: 100-continue" and whose body may come.
  bool take_continue_wanted();
  // Ready for the next request on the connection.
  void next();

 private:
  static int on_message_begin(http_parser* parser);
  static int on_url(http_parser* parser, const char* at, std::size_t size);
  static int on_header_field(http_parser* parser, const char* at, std::size_t size);
  static int on_header_value(http_parser* parser, const char* at, std::size_t size);
  static int on_headers_complete(http_parser* parser);
  static int on_body(http_parser* parser, const char* at, std::size_t size);
  static int on_message_complete(http_parser* parser);

  int fail(int status, std::string code, std::string message);
  bool head_too_large(std::size_t more);
  int check_head();
  int body_too_large();
  void fail_from_parser(const char* data, std::size_t size);

  parse_limits limits_;
  http_parser parser_{};
  request request_;
  parse_error error_;
  progress state_ = progress::need_more;
  bool started_ = false;
  bool in_value_ = false;
  bool continue_wanted_ = false;
  std::size_t head_bytes_ = 0;
};

}  // namespace kv::http
