// How a cluster member's HTTP calls to the other members are made: plain, or TLS checked
// against the cluster's CA (with this node's certificate where members ask for one), and a token.
#include "node/member_http.hpp"

#include <fstream>
#include <sstream>

#include "auth/token_registry.hpp"

namespace kv {

member_http_access load_member_http_access(const node_config& config) {
  member_http_access access;
  const auto& cluster = *config.cluster;
  if (!config.tls_cert_file.empty()) {
    access.tls = true;
    access.ca_file = cluster.ca_file;
    // Members that require client certificates of everyone require them of each other too.
    if (!config.tls_client_ca_file.empty()) {
      access.cert_file = config.tls_cert_file;
      access.key_file = config.tls_key_file;
    }
  }
  if (config.tokens_file.empty()) return access;
  std::ifstream in(cluster.member_token_file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    throw config_error("cluster.member_token_file: cannot read " + cluster.member_token_file);
  }
  access.token = text.str();
  // A file written by `echo` or a Secret ends with a newline that is not part of the token.
  while (!access.token.empty() && std::isspace(static_cast<unsigned char>(access.token.back()))) {
    access.token.pop_back();
  }
  const auth::token_registry registry(config.tokens_file);
  const auth::token_grant* grant = registry.current()->find(access.token);
  if (grant == nullptr || !grant->may_write_everything()) {
    throw config_error("cluster.member_token_file: its token is not in " + config.tokens_file +
                       " with write access to every key (prefix \"\")");
  }
  return access;
}

std::unique_ptr<httplib::Client> make_member_client(const std::string& address,
                                                    const member_http_access& access) {
  auto client =
      access.cert_file.empty()
          ? std::make_unique<httplib::Client>((access.tls ? "https://" : "http://") + address)
          : std::make_unique<httplib::Client>("https://" + address, access.cert_file,
                                              access.key_file);
  if (access.tls) {
    client->set_ca_cert_path(access.ca_file);
    client->enable_server_certificate_verification(true);
  }
  if (!access.token.empty()) client->set_bearer_token_auth(access.token);
  return client;
}

}  // namespace kv
