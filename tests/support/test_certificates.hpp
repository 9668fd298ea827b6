// Certificates for the TLS tests, made when a test runs with the openssl command: a CA, a server
// certificate for 127.0.0.1 and localhost, client certificates from that CA and from another.
#pragma once

#include <string>

#include "tests/support/node_process.hpp"

namespace kvtest {

struct TestCertificates {
  std::string ca;  // the CA that signed server, client and expired_server
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string other_client_cert, other_client_key;      // signed by another CA
  std::string expired_server_cert, expired_server_key;  // valid in January 2020 only
};

// Makes the certificates in `dir`. False with the openssl output in *error when it fails.
bool make_test_certificates(const TempDir& dir, TestCertificates* out, std::string* error);

}  // namespace kvtest
