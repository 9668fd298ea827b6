// A real PostgreSQL (Debian's postgresql package) for the change-log tests, made by the test in
// a temp dir: initdb, a CA, a server certificate for localhost and a client certificate for the
// role `kvnode` made with openssl, TLS on, and pg_hba.conf taking that role only over TLS with
// its certificate (`hostssl ... cert`). As root, every PostgreSQL command runs as the `postgres`
// user (`runuser -u postgres --`): the server refuses to run as root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/support/node_process.hpp"

namespace kvtest {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();  // stops the server
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The first call makes the certificates and the cluster; every call starts the server on the
  // same port and waits until it accepts connections. False with the reason in *error.
  bool start(std::string* error);
  // pg_ctl stop -m fast: connections are closed at once, as a crash or a failover would.
  bool stop(std::string* error);

  std::uint16_t port() const { return port_; }

  // What kvnode is given: TCP to localhost with sslmode=verify-full and the client certificate.
  std::string client_conninfo(const std::string& database) const;
  // The test's own connection, over the Unix socket (trusted).
  std::string admin_conninfo(const std::string& database) const;

  const std::string& ca_file() const { return ca_; }
  const std::string& client_cert() const { return client_cert_; }
  const std::string& client_key() const { return client_key_; }

  // The server's log, for failure messages.
  std::string log_text() const;

 private:
  bool setup(std::string* error);
  // Runs `command` in a shell as the postgres user; its output goes to the setup log.
  bool run_as_postgres(const std::string& command, std::string* error) const;

  TempDir dir_;
  std::filesystem::path pg_dir_;      // owned by postgres: data, server key, socket, log
  std::filesystem::path client_dir_;  // owned by the test: CA, client certificate and key
  std::string ca_, client_cert_, client_key_;
  std::uint16_t port_ = 0;
  bool set_up_ = false;
  bool running_ = false;
};

}  // namespace kvtest
