// Status lines and headers written as text, with the reason phrases of http_parser.
#include "transports/http/response_head.hpp"

#include <http_parser.h>

#include <charconv>

#include "core/json_text.hpp"

namespace kv::http {
namespace {

void append_number(std::string& out, std::size_t number) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out.append(digits, end);
}

}  // namespace

void append_status_line(std::string& out, bool http10, int status) {
  out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  out += http_status_str(static_cast<http_status>(status));
  out += "\r\n";
}

void append_response_head(std::string& out, bool http10, int status, std::string_view content_type,
                          std::string_view extra_headers, bool keep_alive, std::size_t body_size) {
  append_status_line(out, http10, status);
  if (!content_type.empty()) out.append("Content-Type: ").append(content_type).append("\r\n");
  out += extra_headers;
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  if (body_size != unknown_length) {
    out += "Content-Length: ";
    append_number(out, body_size);
    out += "\r\n";
  }
  out += "\r\n";
}

std::string error_body(std::string_view code, std::string_view message) {
  std::string body = R"({"error":)";
  append_json_string(body, code);
  body += R"(,"message":)";
  append_json_string(body, message);
  body += '}';
  return body;
}

}  // namespace kv::http
