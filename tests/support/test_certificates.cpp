// The TLS tests' certificates, made by the openssl command with short-lived keys: nothing secret
// is kept in the repository, and a January 2020 validity stands for an expired certificate.
#include "tests/support/test_certificates.hpp"

#include <cstdio>
#include <cstdlib>

namespace kvtest {
namespace {

// `openssl ca` is the command that can date a certificate in the past; it wants a config,
// a database and a serial file of its own.
constexpr const char* kScript = R"(set -e
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 2 -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
signed() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem"
}
ca ca
ca other-ca
signed server ca serverAuth
signed client ca clientAuth
signed other-client other-ca clientAuth
key expired.key
openssl req -new -key expired.key -subj /CN=expired -out expired.csr
printf '[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\n' > ca.cnf
printf 'default_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n' >> ca.cnf
: > index.txt
echo 01 > serial
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20200102000000Z -extfile server.ext -notext
)";

}  // namespace

bool make_test_certificates(const TempDir& dir, TestCertificates* out, std::string* error) {
  const std::string script = dir.write_file("make-certificates.sh", kScript);
  const std::string log = (dir.path() / "openssl.log").string();
  const std::string command =
      "cd '" + dir.path().string() + "' && sh make-certificates.sh > '" + log + "' 2>&1";
  if (std::system(command.c_str()) != 0) {
    *error = "the openssl command could not make the test certificates; see " + log;
    return false;
  }
  const auto file = [&dir](const char* name) { return (dir.path() / name).string(); };
  out->ca = file("ca.pem");
  out->server_cert = file("server.pem");
  out->server_key = file("server.key");
  out->client_cert = file("client.pem");
  out->client_key = file("client.key");
  out->other_client_cert = file("other-client.pem");
  out->other_client_key = file("other-client.key");
  out->expired_server_cert = file("expired.pem");
  out->expired_server_key = file("expired.key");
  return true;
}

}  // namespace kvtest
