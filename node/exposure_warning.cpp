// Whether a listen address reaches beyond this machine, and the warning when nothing guards it.
#include "node/exposure_warning.hpp"

#include <arpa/inet.h>

namespace kv {
namespace {

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace

std::optional<std::string> exposure_warning(const std::string& host, bool tls_on, bool auth_on) {
  if (is_loopback(host) || tls_on || auth_on) return std::nullopt;
  return "listening on " + host +
         ", beyond this machine, without TLS or tokens: anyone who can reach the port can read "
         "and write every key (set [http.tls] and [auth] tokens_file, or listen on 127.0.0.1)";
}

}  // namespace kv
