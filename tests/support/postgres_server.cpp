// The cluster is made with fsync off (a test needs no durability from it) and the server key
// and certificates copied into the directory that the postgres user owns.
#include "tests/support/postgres_server.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kvtest {
namespace {

const char* const kBin = "/usr/lib/postgresql/15/bin";

constexpr const char* kCertificates = R"(set -e
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
key ca.key
openssl req -x509 -new -key ca.key -subj /CN=kvactor-test-ca -days 2 -out ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
signed() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem"
}
signed server localhost serverAuth
signed kvnode kvnode clientAuth
chmod 600 *.key
)";

std::string quoted(const std::string& text) {
  return "'" + text + "'";
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

PostgresServer::PostgresServer()
    : pg_dir_(dir_.path() / "pg"), client_dir_(dir_.path() / "client") {}

PostgresServer::~PostgresServer() {
  std::string ignored;
  if (running_) stop(&ignored);
}

bool PostgresServer::run_as_postgres(const std::string& command, std::string* error) const {
  const std::string log = (dir_.path() / "setup.log").string();
  const std::string as_user = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
  const std::string line = as_user + "sh -c " + quoted(command) + " >> " + log + " 2>&1";
  if (std::system(line.c_str()) == 0) return true;
  *error = "failed: " + line + "\n" + read_all(log) + "\n" + log_text();
  return false;
}

bool PostgresServer::setup(std::string* error) {
  if (!std::filesystem::exists(std::string(kBin) + "/initdb")) {
    *error = std::string(kBin) +
             "/initdb is missing: install Debian's postgresql package "
             "(scripts/install-deps.sh)";
    return false;
  }
  std::filesystem::create_directories(client_dir_);
  std::filesystem::create_directories(pg_dir_);
  // The postgres user must reach its directory through the temp dir.
  ::chmod(dir_.path().c_str(), 0755);
  const std::string script = dir_.write_file("make-certificates.sh", kCertificates);
  const std::string make =
      "cd " + quoted(client_dir_.string()) + " && sh " + script + " > certificates.log 2>&1";
  if (std::system(make.c_str()) != 0) {
    *error =
        "openssl could not make the certificates: " + read_all(client_dir_ / "certificates.log");
    return false;
  }
  ca_ = (client_dir_ / "ca.pem").string();
  client_cert_ = (client_dir_ / "kvnode.pem").string();
  client_key_ = (client_dir_ / "kvnode.key").string();
  for (const char* name : {"server.pem", "server.key", "ca.pem"}) {
    std::filesystem::copy_file(client_dir_ / name, pg_dir_ / name);
  }
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) {
      *error = "running as root, but there is no postgres user to run PostgreSQL as";
      return false;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(pg_dir_)) {
      if (::chown(entry.path().c_str(), postgres->pw_uid, postgres->pw_gid) != 0) return false;
    }
    if (::chown(pg_dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      *error = "cannot hand " + pg_dir_.string() + " to the postgres user";
      return false;
    }
  }
  ::chmod(pg_dir_.c_str(), 0700);
  port_ = pick_free_port();
  const std::string data = (pg_dir_ / "data").string();
  if (!run_as_postgres(
          std::string(kBin) + "/initdb --no-sync -A trust -E UTF8 --locale=C -U kvnode -D " + data,
          error)) {
    return false;
  }
  const std::string pg = pg_dir_.string();
  const std::string conf = "port = " + std::to_string(port_) +
                           "\nlisten_addresses = '127.0.0.1'\n"
                           "unix_socket_directories = '" +
                           pg +
                           "'\n"
                           "ssl = on\nssl_cert_file = '" +
                           pg +
                           "/server.pem'\n"
                           "ssl_key_file = '" +
                           pg +
                           "/server.key'\n"
                           "ssl_ca_file = '" +
                           pg +
                           "/ca.pem'\n"
                           "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
                           "max_connections = 30\nshared_buffers = 32MB\n";
  const std::string hba =
      "local all all trust\n"
      "hostssl all kvnode 127.0.0.1/32 cert\n";
  // Copied in by the postgres user, into files it owns.
  const std::string conf_file = dir_.write_file("postgresql.conf.add", conf);
  const std::string hba_file = dir_.write_file("pg_hba.conf", hba);
  ::chmod(conf_file.c_str(), 0644);
  ::chmod(hba_file.c_str(), 0644);
  return run_as_postgres("cat " + conf_file + " >> " + data + "/postgresql.conf && cat " +
                             hba_file + " > " + data + "/pg_hba.conf",
                         error);
}

bool PostgresServer::start(std::string* error) {
  if (!set_up_) {
    if (!setup(error)) return false;
    set_up_ = true;
  }
  const std::string data = (pg_dir_ / "data").string();
  if (!run_as_postgres(std::string(kBin) + "/pg_ctl -w -t 60 -D " + data + " -l " +
                           (pg_dir_ / "server.log").string() + " start",
                       error)) {
    return false;
  }
  running_ = true;
  return true;
}

bool PostgresServer::stop(std::string* error) {
  const std::string data = (pg_dir_ / "data").string();
  if (!run_as_postgres(std::string(kBin) + "/pg_ctl -w -t 60 -m fast -D " + data + " stop",
                       error)) {
    return false;
  }
  running_ = false;
  return true;
}

std::string PostgresServer::client_conninfo(const std::string& database) const {
  return "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + database +
         " user=kvnode sslmode=verify-full sslrootcert=" + ca_ + " sslcert=" + client_cert_ +
         " sslkey=" + client_key_ + " connect_timeout=5";
}

std::string PostgresServer::admin_conninfo(const std::string& database) const {
  return "host=" + pg_dir_.string() + " port=" + std::to_string(port_) + " dbname=" + database +
         " user=kvnode";
}

std::string PostgresServer::log_text() const {
  return read_all(pg_dir_ / "server.log");
}

}  // namespace kvtest
