// Host and Origin checks, done before a request reaches its handler.
#include "transports/http/browser_guard.hpp"

#include <strings.h>

#include <algorithm>

namespace kv::http {
namespace {

bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// "example.com:8080" -> "example.com", "[::1]:8080" -> "[::1]".
std::string_view without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

}  // namespace

std::vector<std::string> default_allowed_hosts(const std::string& listen_host) {
  if (!is_loopback(listen_host)) return {};
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "[::1]"};
  if (std::find(hosts.begin(), hosts.end(), listen_host) == hosts.end()) {
    hosts.push_back(listen_host == "::1" ? "[::1]" : listen_host);
  }
  return hosts;
}

std::optional<http_error> browser_guard::check(const request& req) const {
  if (const auto host = req.header("Host"); host && !host_allowed(without_port(*host))) {
    return http_error{403, "forbidden",
                      "Host `" + std::string(without_port(*host)) +
                          "` is not one this node answers to; add it to http.allowed_hosts"};
  }
  const auto origin = req.header("Origin");
  const method m = req.request_method();
  if (origin && m != method::get && m != method::head && !origin_allowed(*origin)) {
    return http_error{403, "forbidden",
                      "cross-origin request from `" + std::string(*origin) +
                          "` refused; allow the origin in http.cors_origins"};
  }
  return std::nullopt;
}

std::optional<std::string_view> browser_guard::allowed_origin(const request& req) const {
  const auto origin = req.header("Origin");
  if (origin && origin_allowed(*origin)) return origin;
  return std::nullopt;
}

bool browser_guard::host_allowed(std::string_view host) const {
  const auto& allowed = policy_.allowed_hosts;
  return allowed.empty() || std::any_of(allowed.begin(), allowed.end(), [host](const auto& a) {
           return a == "*" || same_text_ignoring_case(a, host);
         });
}

bool browser_guard::origin_allowed(std::string_view origin) const {
  const auto& allowed = policy_.cors_origins;
  return std::any_of(allowed.begin(), allowed.end(),
                     [origin](const auto& a) { return a == "*" || a == origin; });
}

}  // namespace kv::http
