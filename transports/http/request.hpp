// One parsed HTTP request as the handlers see it: method, path, query, headers and body. It is
// owned by its connection and valid only while the handler runs; handlers copy what they keep.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transports/http/route_table.hpp"

namespace kv::http {

class request {
 public:
  method request_method() const { return method_; }
  bool http10() const { return http10_; }
  // Whether the client may send another request on this connection after the answer.
  bool keep_alive() const { return keep_alive_; }
  // The request target's path, still percent-encoded, without the query.
  std::string_view path() const;
  // The raw (still percent-encoded) value of the first query parameter `name`: "" for a
  // parameter given without '=', nothing when absent.
  std::optional<std::string_view> query(std::string_view name) const;
  // Everything after the '?' of the target, still percent-encoded; empty without one.
  std::string_view query_string() const;
  // The first header of that name (case-insensitive), surrounding white space removed.
  std::optional<std::string_view> header(std::string_view name) const;
  const std::string& body() const { return body_; }

 private:
  friend class request_parser;
  void clear();

  method method_ = method::other;
  bool http10_ = false;
  bool keep_alive_ = true;
  std::string target_;
  // Names and values are kept as text ranges of one buffer: a request with ten headers costs
  // no allocation once the connection has served one like it.
  std::string header_text_;
  struct header_range {
    std::size_t name_begin, name_size, value_begin, value_size;
  };
  std::vector<header_range> headers_;
  std::string body_;
};

}  // namespace kv::http
