// The HTTP port over TLS and mutual TLS against the real kvnode: requests over TLS, client
// certificates required and checked, plain HTTP and stalled handshakes cut, TLS files refused
// at start, and kvctl over https with its flags and environment variables.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/kvctl_runner.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/test_certificates.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

// One node per test, on certificates made for the whole suite.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    certs_ = new TestCertificates();
    std::string error;
    made_ = make_test_certificates(*dir_, certs_, &error);
    if (!made_) error_ = new std::string(error);
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete dir_;
    delete error_;
  }

  void SetUp() override { ASSERT_TRUE(made_) << *error_; }

  static const TestCertificates& certs() { return *certs_; }

  // A config file with [http.tls] from `tls_lines`, and [http] idle_timeout_seconds.
  static std::string write_config(const std::string& name, const std::string& tls_lines,
                                  int idle_timeout_seconds = 60) {
    return dir_->write_file(
        name, "[http]\nidle_timeout_seconds = " + std::to_string(idle_timeout_seconds) +
                  "\n[http.tls]\n" + tls_lines);
  }

  static std::string tls_lines() {
    return "cert_file = \"" + certs().server_cert + "\"\nkey_file = \"" + certs().server_key +
           "\"\n";
  }
  static std::string mutual_tls_lines() {
    return tls_lines() + "client_ca_file = \"" + certs().ca + "\"\n";
  }

  // Starts a node on `config`, checking readiness over TLS with the client certificate when
  // `mutual`.
  void start_node(const std::string& config, bool mutual) {
    node_ = std::make_unique<NodeProcess>(std::vector<std::string>{"--config", config});
    if (mutual) {
      node_->ping_over_tls(certs().ca, certs().client_cert, certs().client_key);
    } else {
      node_->ping_over_tls(certs().ca);
    }
    std::string error;
    ASSERT_TRUE(node_->start(&error)) << error;
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(node_->http_port()); }

  std::unique_ptr<httplib::SSLClient> client(const std::string& cert = {},
                                             const std::string& key = {}) const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", node_->http_port(), cert, key);
    c->set_ca_cert_path(certs().ca);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(10, 0);
    return c;
  }

  std::unique_ptr<NodeProcess> node_;

 private:
  static inline TempDir* dir_ = nullptr;
  static inline TestCertificates* certs_ = nullptr;
  static inline bool made_ = false;
  static inline std::string* error_ = nullptr;
};

// A loopback connection to `port` whose reads give up after `limit`, so that a server that
// never answers fails the test instead of hanging it.
int connect_with_read_limit(std::uint16_t port, std::chrono::seconds limit) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const timeval read_limit{static_cast<time_t>(limit.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &read_limit, sizeof read_limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct ReadToEnd {
  std::string bytes;
  bool ended = false;  // EOF or reset; false: the read limit passed with the connection open
};

ReadToEnd read_to_end(int fd) {
  ReadToEnd result;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      result.bytes.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    result.ended = n == 0 || errno == ECONNRESET;
    return result;
  }
}

TEST_F(TlsTest, PutAndGetOverTls) {
  start_node(write_config("tls.toml", tls_lines()), false);
  auto c = client();
  const auto put = c->Put("/v1/keys/tls-key", "secret value", "application/octet-stream");
  ASSERT_TRUE(put) << httplib::to_string(put.error());
  EXPECT_EQ(put->status, 200) << put->body;
  const auto get = c->Get("/v1/keys/tls-key");
  ASSERT_TRUE(get) << httplib::to_string(get.error());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "secret value");
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortIsRefusedAtOnce) {
  // An idle timeout of an hour: only the refusal itself can end the connection in time.
  start_node(write_config("tls.toml", tls_lines(), 3600), false);
  const int fd = connect_with_read_limit(node_->http_port(), 30s);
  ASSERT_GE(fd, 0);
  const std::string request = "GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  const ReadToEnd answer = read_to_end(fd);
  ::close(fd);
  EXPECT_TRUE(answer.ended) << "the connection was still open after 30 s";
  EXPECT_NE(answer.bytes.rfind("HTTP/", 0), 0u) << "answered in plain HTTP: " << answer.bytes;
}

TEST_F(TlsTest, AStalledHandshakeIsCutAfterTheIdleTimeout) {
  start_node(write_config("tls.toml", tls_lines(), 1), false);
  const int fd = connect_with_read_limit(node_->http_port(), 30s);
  ASSERT_GE(fd, 0);
  // Half a TLS record header, then nothing.
  ASSERT_EQ(::send(fd, "\x16\x03", 2, MSG_NOSIGNAL), 2);
  const ReadToEnd answer = read_to_end(fd);
  ::close(fd);
  EXPECT_TRUE(answer.ended) << "the handshake was still waited for after 30 s";
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutATrustedCertificate) {
  start_node(write_config("mtls.toml", mutual_tls_lines()), true);
  {
    auto c = client();
    const auto without = c->Get("/v1/ping");
    EXPECT_FALSE(without) << "answered " << without->status << " without a client certificate";
  }
  {
    auto c = client(certs().other_client_cert, certs().other_client_key);
    const auto other = c->Get("/v1/ping");
    EXPECT_FALSE(other) << "answered " << other->status << " to a certificate of another CA";
  }
  auto c = client(certs().client_cert, certs().client_key);
  const auto trusted = c->Get("/v1/ping");
  ASSERT_TRUE(trusted) << httplib::to_string(trusted.error());
  EXPECT_EQ(trusted->status, 200);
  // The node goes on serving after the refusals.
  EXPECT_TRUE(node_->running());
}

// Exit status 2 and one line on stderr that names `file`.
void ExpectRefusedNaming(const RunResult& run, const std::string& file) {
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe() << "\n" << run.stderr_text;
  const auto lines = non_empty_lines(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_NE(lines[0].find(file), std::string::npos) << lines[0];
}

TEST_F(TlsTest, FilesThatCannotServeAreRefusedAtStart) {
  const std::string missing = certs().server_cert + ".missing";
  const std::string listen = "127.0.0.1:" + std::to_string(pick_free_port());
  const auto run_with = [&](const std::string& name, const std::string& lines) {
    return run_kvnode({"--config", write_config(name, lines), "--http-listen", listen});
  };
  ExpectRefusedNaming(
      run_with("expired.toml", "cert_file = \"" + certs().expired_server_cert +
                                   "\"\nkey_file = \"" + certs().expired_server_key + "\"\n"),
      certs().expired_server_cert);
  ExpectRefusedNaming(
      run_with("mismatch.toml", "cert_file = \"" + certs().server_cert + "\"\nkey_file = \"" +
                                    certs().client_key + "\"\n"),
      certs().client_key);
  ExpectRefusedNaming(run_with("missing.toml", "cert_file = \"" + missing + "\"\nkey_file = \"" +
                                                   certs().server_key + "\"\n"),
                      missing);
  ExpectRefusedNaming(run_with("missing-key.toml", "cert_file = \"" + certs().server_cert +
                                                       "\"\nkey_file = \"" + missing + "\"\n"),
                      missing);
  ExpectRefusedNaming(
      run_with("missing-ca.toml", tls_lines() + "client_ca_file = \"" + missing + "\"\n"), missing);
  // A key file given as the CA is no CA certificate.
  ExpectRefusedNaming(
      run_with("bad-ca.toml", tls_lines() + "client_ca_file = \"" + certs().server_key + "\"\n"),
      certs().server_key);
}

TEST_F(TlsTest, KvctlUsesItsTlsFlags) {
  start_node(write_config("mtls.toml", mutual_tls_lines()), true);
  const std::vector<std::string> tls = {
      "--url",           url(), "--cacert", certs().ca, "--cert", certs().client_cert, "--key",
      certs().client_key};
  auto put = tls;
  put.insert(put.end(), {"put", "flag-key", "flag value"});
  const KvctlResult stored = run_kvctl(put);
  EXPECT_TRUE(stored.status.exited_with(0)) << stored.describe();
  auto get = tls;
  get.insert(get.end(), {"get", "flag-key"});
  const KvctlResult read = run_kvctl(get);
  EXPECT_TRUE(read.status.exited_with(0)) << read.describe();
  EXPECT_EQ(read.out, "flag value");
}

TEST_F(TlsTest, KvctlUsesItsTlsEnvironmentVariables) {
  start_node(write_config("mtls.toml", mutual_tls_lines()), true);
  const std::vector<std::string> env = {"KVCTL_URL=" + url(), "KVCTL_CACERT=" + certs().ca,
                                        "KVCTL_CERT=" + certs().client_cert,
                                        "KVCTL_KEY=" + certs().client_key};
  const KvctlResult stored = run_kvctl({"put", "env-key", "env value"}, "", env);
  EXPECT_TRUE(stored.status.exited_with(0)) << stored.describe();
  const KvctlResult read = run_kvctl({"get", "env-key"}, "", env);
  EXPECT_TRUE(read.status.exited_with(0)) << read.describe();
  EXPECT_EQ(read.out, "env value");
}

TEST_F(TlsTest, KvctlRefusesANodeItCannotVerify) {
  start_node(write_config("tls.toml", tls_lines()), false);
  // Without --cacert the system's CAs are asked, and none of them signed the test CA.
  const KvctlResult result = run_kvctl({"--url", url(), "get", "any"});
  EXPECT_TRUE(result.status.exited_with(1)) << result.describe();
  EXPECT_EQ(result.out, "");
  const auto lines = non_empty_lines(result.err);
  ASSERT_EQ(lines.size(), 1u) << result.err;
  EXPECT_NE(lines[0].find("certificate"), std::string::npos) << lines[0];
}

TEST_F(TlsTest, KvctlWithoutAClientCertificateIsRefusedByMutualTls) {
  start_node(write_config("mtls.toml", mutual_tls_lines()), true);
  const KvctlResult result = run_kvctl({"--url", url(), "--cacert", certs().ca, "get", "any"});
  EXPECT_TRUE(result.status.exited_with(1)) << result.describe();
  EXPECT_EQ(non_empty_lines(result.err).size(), 1u) << result.err;
}

TEST_F(TlsTest, KvctlWatchesOverSseOnHttps) {
  start_node(write_config("mtls.toml", mutual_tls_lines()), true);
  BackgroundKvctl watch({"--url", url(), "--cacert", certs().ca, "--cert", certs().client_cert,
                         "--key", certs().client_key, "watch", "--sse", "--prefix", "sse/"});
  ASSERT_TRUE(watch.started());
  auto c = client(certs().client_cert, certs().client_key);
  // The watch may subscribe after a put: put again until one is seen.
  bool seen = false;
  for (int attempt = 0; attempt < 50 && !seen; ++attempt) {
    const std::string key = "sse/" + std::to_string(attempt);
    const auto put = c->Put("/v1/keys/" + key, "v", "application/octet-stream");
    ASSERT_TRUE(put) << httplib::to_string(put.error());
    seen = watch.wait_for_text(key, 500ms);
  }
  EXPECT_TRUE(seen) << watch.err();
  const KvctlResult stopped = watch.stop(SIGTERM);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
}

}  // namespace
}  // namespace kvtest
