// The bytes of a response's status line and headers, shared by handler answers, streams and
// the transport's own refusals, so every response on the wire has the same form.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kv::http {

// "HTTP/1.1 200 OK\r\n", the reason phrase being http_parser's.
void append_status_line(std::string& out, bool http10, int status);

// A whole response head: status line, Content-Type (when not empty), `extra_headers` (complete
// "Name: value\r\n" lines), Connection, and Content-Length (unless `body_size` is unknown).
inline constexpr std::size_t unknown_length = static_cast<std::size_t>(-1);
void append_response_head(std::string& out, bool http10, int status, std::string_view content_type,
                          std::string_view extra_headers, bool keep_alive, std::size_t body_size);

// The contract's error body, {"error": CODE, "message": TEXT}.
std::string error_body(std::string_view code, std::string_view message);

}  // namespace kv::http
