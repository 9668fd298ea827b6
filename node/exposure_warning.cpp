// Whether the HTTP listener is reachable from other machines without protection.
#include "node/exposure_warning.hpp"

namespace kv {
namespace {

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

}  // namespace

std::optional<std::string> exposure_warning(const std::string& listen_host, bool tls_on,
                                            bool auth_on) {
  if (is_loopback_host(listen_host) || tls_on || auth_on) return std::nullopt;
  return "listening on " + listen_host +
         ", which other machines can reach, without [auth] tokens_file: anyone who can connect "
         "may read and write every key";
}

}  // namespace kv
