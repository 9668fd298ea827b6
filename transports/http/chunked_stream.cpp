// Chunked transfer encoding (RFC 9112 7.1) over the connection's thread-safe writes.
#include "transports/http/chunked_stream.hpp"

#include <fmt/format.h>

#include "transports/http/response_head.hpp"

namespace kv::http {

chunked_stream::chunked_stream(exchange_ptr ex, int status, std::string_view content_type)
    : ex_(std::move(ex)), conn_(ex_->conn()), chunked_(!ex_->http10()) {
  ex_->set_status(status);
  std::string head;
  append_response_head(head, ex_->http10(), status, content_type,
                       chunked_ ? "Transfer-Encoding: chunked\r\n" : "",
                       chunked_ && ex_->keep_alive(), unknown_length);
  conn_->write(std::move(head));
}

void chunked_stream::write(std::string_view data, std::function<void()> written) {
  if (data.empty()) {  // an empty chunk would end the response
    if (written) written();
    return;
  }
  if (!chunked_) return conn_->write(std::string(data), std::move(written));
  std::string chunk = fmt::format("{:x}\r\n", data.size());
  chunk.reserve(chunk.size() + data.size() + 2);
  chunk.append(data).append("\r\n");
  conn_->write(std::move(chunk), std::move(written));
}

void chunked_stream::finish() {
  if (!ex_) return;
  const bool reuse = chunked_ && ex_->keep_alive();
  conn_->write(chunked_ ? "0\r\n\r\n" : "", {}, reuse ? then::next_request : then::close);
  ex_.reset();
}

}  // namespace kv::http
