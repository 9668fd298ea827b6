// Lexical path processing of Go's path.Clean and the escaping of net/url.
#include "transports/http/dialects/go_path.hpp"

#include <cctype>
#include <vector>

namespace kv::http::dialects {
namespace {

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

std::string clean_go_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> parts;
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t slash = std::min(path.find('/', at), path.size());
    const std::string_view part = path.substr(at, slash - at);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    at = slash + 1;
  }
  std::string clean;
  for (const auto part : parts) clean.append("/").append(part);
  if (clean.empty()) return "/";
  if (path.back() == '/') clean += '/';
  return clean;
}

std::string escape_go_path(std::string_view path) {
  static constexpr char upper_hex[] = "0123456789ABCDEF";
  static constexpr std::string_view kept = "-_.~$&+,/:;=@";
  std::string out;
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 && byte < 0x80) {
      out.push_back(c);
    } else if (kept.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(upper_hex[byte >> 4]);
      out.push_back(upper_hex[byte & 15]);
    }
  }
  return out;
}

std::string go_escape_error(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      i += 2;
      continue;
    }
    std::string quoted = "\"";
    for (const char c : text.substr(i, 3)) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    return "invalid URL escape " + quoted + "\"";
  }
  return "invalid URL escape";
}

bool redirected_unclean_path(const std::string& path, const request& req, const exchange_ptr& ex) {
  const std::string clean = clean_go_path(path);
  if (clean == path) return false;
  std::string location = escape_go_path(clean);
  if (const auto query = req.query_string(); !query.empty()) location.append("?").append(query);
  ex->add_header("Location", location);
  ex->send_empty(301);
  return true;
}

}  // namespace kv::http::dialects
