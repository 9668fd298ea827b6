// http_parser callbacks that fill a request and enforce the limits as bytes arrive, so that
// no declared length is trusted and no oversized head is buffered.
#include "transports/http/request_parser.hpp"

#include <strings.h>

#include <cstdint>
#include <limits>
#include <string_view>

namespace kv::http {
namespace {

constexpr std::string_view http2_preface = "PRI * HTTP/2.0";

request_parser* self_of(http_parser* parser) {
  return static_cast<request_parser*>(parser->data);
}

method method_of(unsigned m) {
  switch (m) {
    case HTTP_GET:
      return method::get;
    case HTTP_HEAD:
      return method::head;
    case HTTP_PUT:
      return method::put;
    case HTTP_POST:
      return method::post;
    case HTTP_DELETE:
      return method::del;
    case HTTP_OPTIONS:
      return method::options;
    default:
      return method::other;
  }
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// An absolute-form target ("http://host/path", which proxies send) names the same resource as
// its path.
void to_origin_form(std::string& target) {
  const auto scheme_end = target.find("://");
  if (target.empty() || target.front() == '/' || scheme_end == std::string::npos) return;
  const auto path_begin = target.find('/', scheme_end + 3);
  target.erase(0, path_begin == std::string::npos ? target.size() : path_begin);
  if (target.empty() || target.front() != '/') target.insert(0, 1, '/');
}

}  // namespace

request_parser::request_parser(parse_limits limits) : limits_(limits) {
  // The library's own count (of every head byte, white space included) is the backstop of ours.
  http_parser_set_max_header_size(static_cast<std::uint32_t>(limits_.max_head_bytes + 1024));
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

std::size_t request_parser::feed(const char* data, std::size_t size) {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_message_begin = on_message_begin;
    s.on_url = on_url;
    s.on_header_field = on_header_field;
    s.on_header_value = on_header_value;
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  if (state_ != progress::need_more || size == 0) return 0;
  const std::size_t used = http_parser_execute(&parser_, &settings, data, size);
  const auto error = HTTP_PARSER_ERRNO(&parser_);
  if (state_ == progress::complete || state_ == progress::failed) {
    // A complete request pauses the parser after its last byte, which it counts as used.
    return used;
  }
  if (error != HPE_OK) {
    fail_from_parser(data, size);
    return used;
  }
  // HTTP/0.9 ("GET /" and no version) has no headers and expects no status line: refuse it now
  // rather than wait for headers that will never come.
  if (parser_.http_major == 0 && parser_.http_minor == 9) {
    fail(400, "bad_request", "HTTP/0.9 requests are not supported; send HTTP/1.1");
  }
  return used;
}

bool request_parser::take_continue_wanted() {
  const bool wanted = continue_wanted_;
  continue_wanted_ = false;
  return wanted && state_ == progress::need_more;
}

void request_parser::next() {
  request_.clear();
  state_ = progress::need_more;
  started_ = false;
  in_value_ = false;
  continue_wanted_ = false;
  head_bytes_ = 0;
  http_parser_pause(&parser_, 0);
}

// -1: on_headers_complete reads 1 and 2 as "no body follows", not as errors.
int request_parser::fail(int status, std::string code, std::string message) {
  state_ = progress::failed;
  error_ = {status, std::move(code), std::move(message)};
  return -1;
}

bool request_parser::head_too_large(std::size_t more) {
  head_bytes_ += more;
  return head_bytes_ > limits_.max_head_bytes;
}

void request_parser::fail_from_parser(const char* data, std::size_t size) {
  const auto error = HTTP_PARSER_ERRNO(&parser_);
  switch (error) {
    case HPE_HEADER_OVERFLOW:
      fail(request_.headers_.empty() ? 414 : 431, "bad_request",
           "the request line and headers exceed " + std::to_string(limits_.max_head_bytes) +
               " bytes");
      return;
    case HPE_INVALID_METHOD:
      if (std::string_view(data, size).substr(0, http2_preface.size()) == http2_preface) {
        fail(505, "bad_request", "HTTP/2 is not supported; send HTTP/1.1");
        return;
      }
      fail(400, "bad_request", "unknown HTTP method");
      return;
    case HPE_INVALID_TRANSFER_ENCODING:
      fail(501, "bad_request", "the only transfer coding accepted is chunked");
      return;
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_STRICT:
      // http_parser reports a chunk that runs past its size as a Content-Length error.
      if ((parser_.flags & F_CHUNKED) != 0) {
        fail(400, "bad_request", "malformed request: a chunk does not match its size line");
        return;
      }
      break;
    default:
      break;
  }
  fail(400, "bad_request", std::string("malformed request: ") + http_errno_description(error));
}

int request_parser::on_message_begin(http_parser* parser) {
  auto& self = *self_of(parser);
  self.request_.clear();
  self.started_ = true;
  return 0;
}

int request_parser::on_url(http_parser* parser, const char* at, std::size_t size) {
  auto& self = *self_of(parser);
  if (self.head_too_large(size)) {
    return self.fail(
        414, "bad_request",
        "the request line exceeds " + std::to_string(self.limits_.max_head_bytes) + " bytes");
  }
  self.request_.target_.append(at, size);
  return 0;
}

int request_parser::on_header_field(http_parser* parser, const char* at, std::size_t size) {
  auto& self = *self_of(parser);
  auto& req = self.request_;
  const bool new_header = req.headers_.empty() || self.in_value_;
  // A new header also costs its ": " and CRLF: many empty headers count too.
  if (self.head_too_large(new_header ? size + 4 : size)) return self.check_head();
  if (new_header) {
    req.headers_.push_back({req.header_text_.size(), 0, 0, 0});
    self.in_value_ = false;
  }
  req.header_text_.append(at, size);
  req.headers_.back().name_size += size;
  return 0;
}

int request_parser::on_header_value(http_parser* parser, const char* at, std::size_t size) {
  auto& self = *self_of(parser);
  if (self.head_too_large(size)) return self.check_head();
  auto& req = self.request_;
  auto& header = req.headers_.back();
  if (!self.in_value_) {
    header.value_begin = req.header_text_.size();
    self.in_value_ = true;
  }
  req.header_text_.append(at, size);
  header.value_size += size;
  return 0;
}

int request_parser::body_too_large() {
  std::string message = "the request body is over limits.max_request_bytes (" +
                        std::to_string(limits_.max_body_bytes) + " bytes)";
  const std::string_view path = request_.path();
  if (path == "/v1/keys" || path == "/set") message += "; split the batch into smaller ones";
  return fail(413, "payload_too_large", std::move(message));
}

int request_parser::check_head() {
  return fail(431, "bad_request",
              "the request headers exceed " + std::to_string(limits_.max_head_bytes) + " bytes");
}

int request_parser::on_headers_complete(http_parser* parser) {
  auto& self = *self_of(parser);
  auto& req = self.request_;
  if (parser->http_major != 1) {
    return self.fail(505, "bad_request", "only HTTP/1.0 and HTTP/1.1 are served");
  }
  req.method_ = method_of(parser->method);
  req.http10_ = parser->http_minor == 0;
  req.keep_alive_ = http_should_keep_alive(parser) != 0;
  to_origin_form(req.target_);
  if (req.target_.empty() || req.target_.front() != '/') {
    return self.fail(400, "bad_request", "the request target must be a path");
  }
  if ((parser->flags & F_CONTENTLENGTH) != 0) {
    // RFC 9112 6.3: a length no signed 64-bit number holds is as invalid as a malformed one.
    if (parser->content_length >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return self.fail(400, "bad_request", "Content-Length is out of range");
    }
    if (parser->content_length > self.limits_.max_body_bytes) return self.body_too_large();
  }
  if (const auto expect = req.header("Expect")) {
    if (!equals_ignoring_case(*expect, "100-continue")) {
      return self.fail(417, "bad_request", "the only expectation served is 100-continue");
    }
    self.continue_wanted_ = true;
  }
  return 0;
}

int request_parser::on_body(http_parser* parser, const char* at, std::size_t size) {
  auto& self = *self_of(parser);
  auto& body = self.request_.body_;
  if (body.size() + size > self.limits_.max_body_bytes) return self.body_too_large();
  body.append(at, size);
  return 0;
}

int request_parser::on_message_complete(http_parser* parser) {
  auto& self = *self_of(parser);
  if (self.state_ == progress::failed) return -1;
  self.state_ = progress::complete;
  http_parser_pause(parser, 1);
  return 0;
}

}  // namespace kv::http
