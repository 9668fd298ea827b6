// The host of a tcp:// endpoint is everything between the scheme and the last ':', so that an
// IPv6 literal in brackets stays whole.
#include "core/tcp_endpoint.hpp"

namespace kv {
namespace {

constexpr std::string_view tcp_scheme = "tcp://";

}  // namespace

bool is_wildcard_host(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "[::]" || host == "*";
}

std::optional<std::string_view> tcp_endpoint_host(std::string_view endpoint) {
  if (!endpoint.starts_with(tcp_scheme)) return std::nullopt;
  const std::size_t port_colon = endpoint.rfind(':');
  if (port_colon < tcp_scheme.size()) return std::nullopt;
  return endpoint.substr(tcp_scheme.size(), port_colon - tcp_scheme.size());
}

std::string with_tcp_host(std::string_view endpoint, const std::string& host) {
  const std::string bracketed = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return std::string(tcp_scheme) + bracketed + std::string(endpoint.substr(endpoint.rfind(':')));
}

}  // namespace kv
