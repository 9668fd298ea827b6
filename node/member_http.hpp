// How a cluster member's HTTP calls to the other members are made: plain, or TLS checked
// against the cluster's CA (with this node's certificate where members ask for one), and a token.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "node/node_config.hpp"

namespace kv {

struct member_http_access {
  bool tls = false;
  std::string ca_file;    // the other members' certificates are checked against it
  std::string cert_file;  // presented when the members require client certificates
  std::string key_file;
  std::string token;  // empty without [auth]
};

// From the config. Throws config_error (exit 2) when the member token cannot be read, or is not
// in the tokens file with write access to every key (forwarded writes may touch any key).
member_http_access load_member_http_access(const node_config& config);

// A keep-alive client of the member at HTTP `address` ("HOST:PORT").
std::unique_ptr<httplib::Client> make_member_client(const std::string& address,
                                                    const member_http_access& access);

}  // namespace kv
