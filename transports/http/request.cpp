// Lookups in a parsed request: the path, query parameters and headers, without copies.
#include "transports/http/request.hpp"

#include <strings.h>

namespace kv::http {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view request::path() const {
  const std::string_view target = target_;
  return target.substr(0, target.find('?'));
}

std::string_view request::query_string() const {
  const std::string_view target = target_;
  const auto mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1);
}

std::optional<std::string_view> request::query(std::string_view name) const {
  const std::string_view target = target_;
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(mark + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const auto end = rest.find('&');
    const std::string_view pair = rest.substr(0, end);
    const auto equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> request::header(std::string_view name) const {
  const std::string_view text = header_text_;
  for (const auto& h : headers_) {
    if (!same_name(text.substr(h.name_begin, h.name_size), name)) continue;
    std::string_view value = text.substr(h.value_begin, h.value_size);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return value;
  }
  return std::nullopt;
}

void request::clear() {
  method_ = method::other;
  http10_ = false;
  keep_alive_ = true;
  target_.clear();
  header_text_.clear();
  headers_.clear();
  body_.clear();
}

}  // namespace kv::http
