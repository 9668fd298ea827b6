// A cluster with TLS on the HTTP port and bearer tokens (contract sections 9 and 11): members
// forward to each other over TLS, checked against the cluster's CA, with the member token.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "auth/token_hash.hpp"
#include "tests/support/cluster_process.hpp"
#include "tests/support/test_certificates.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMemberToken = "member-secret";
constexpr const char* kAppToken = "app-secret";

std::string token_entry(const std::string& name, const std::string& token,
                        const std::string& prefix) {
  return "[[token]]\nname = \"" + name + "\"\nsha256 = \"" +
         kv::auth::hex_of(kv::auth::sha256_of(token)) + "\"\nrules = [{prefix = \"" + prefix +
         "\", access = \"write\"}]\n";
}

class SecureCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(make_test_certificates(files_, &certs_, &error)) << error;
    tokens_ = files_.write_file("tokens.toml", token_entry("member", kMemberToken, "") +
                                                   token_entry("app", kAppToken, "app/"));
    member_token_ = files_.write_file("member-token", std::string(kMemberToken) + "\n");
    app_token_ = files_.write_file("app-token", kAppToken);
  }

  // The [cluster] keys for members' calls, then TLS and tokens; `member_token` names the file.
  std::string secure_settings(const std::string& member_token) const {
    return "member_token_file = \"" + member_token + "\"\nca_file = \"" + certs_.ca +
           "\"\n[http.tls]\ncert_file = \"" + certs_.server_cert + "\"\nkey_file = \"" +
           certs_.server_key + "\"\n[auth]\ntokens_file = \"" + tokens_ + "\"\n";
  }

  std::unique_ptr<httplib::SSLClient> client(int id, const char* token = nullptr) {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", cluster_.member(id).http_port);
    c->set_ca_cert_path(certs_.ca);
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(1, 0);
    c->set_read_timeout(6, 0);
    if (token != nullptr) c->set_bearer_token_auth(token);
    return c;
  }

  // The leader all three members name, once each is ready; 0 if none within 20 s.
  int wait_for_leader() {
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < give_up) {
      int agreed = 0;
      bool all = true;
      for (int id = 1; id <= 3 && all; ++id) {
        const auto ready = client(id)->Get("/v1/readiness");
        const auto status = client(id, kMemberToken)->Get("/v1/cluster");
        const auto body =
            status ? nlohmann::json::parse(status->body, nullptr, false) : nlohmann::json();
        all = ready && ready->status == 200 && body.is_object() && body["leader"].is_number() &&
              (agreed == 0 || agreed == body["leader"].get<int>());
        if (all) agreed = body["leader"].get<int>();
      }
      if (all) return agreed;
      std::this_thread::sleep_for(100ms);
    }
    return 0;
  }

  TempDir files_;
  TestCertificates certs_;
  std::string tokens_, member_token_, app_token_;
  Cluster cluster_;
};

TEST_F(SecureCluster, FollowersForwardOverTlsWithTheMemberTokenAndClientsNeedTheirOwn) {
  cluster_.append_to_configs(secure_settings(member_token_));
  cluster_.start_all();
  const int leader = wait_for_leader();
  ASSERT_NE(leader, 0) << cluster_.log_of(1) << cluster_.log_of(2);
  const int follower = leader % 3 + 1;
  const int other = follower % 3 + 1;

  // A write through a follower reaches the leader, and a linearizable read through the third
  // member sees it: both need the member token between members.
  const auto put = client(follower, kAppToken)->Put("/v1/keys/app/x", "v", "text/plain");
  ASSERT_TRUE(put) << httplib::to_string(put.error());
  EXPECT_EQ(put->status, 200) << put->body << cluster_.log_of(follower);
  const auto get = client(other, kAppToken)->Get("/v1/keys/app/x");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "v");

  // Clients keep to their own tokens, and the members' calls to the member token.
  EXPECT_EQ(client(follower)->Put("/v1/keys/app/y", "v", "text/plain")->status, 401);
  EXPECT_EQ(client(follower, kAppToken)->Put("/v1/keys/other", "v", "text/plain")->status, 403);
  EXPECT_EQ(client(leader, kAppToken)->Get("/v1/cluster/read_index")->status, 403);
  EXPECT_EQ(client(leader)->Post("/v1/cluster/propose", "x", "application/octet-stream")->status,
            401);
}

TEST_F(SecureCluster, AMemberTokenThatCannotWriteEverythingOrIsMissingExits2) {
  cluster_.append_to_configs(secure_settings(app_token_));
  auto run = run_kvnode({"--config", cluster_.member(1).config}, 20s);
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe() << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("cluster.member_token_file: its token is not in"),
            std::string::npos)
      << run.stderr_text;

  Cluster plain(1);
  plain.append_to_configs("[auth]\ntokens_file = \"" + tokens_ + "\"\n");
  run = run_kvnode({"--config", plain.member(1).config}, 20s);
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe() << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("cluster.member_token_file: missing"), std::string::npos)
      << run.stderr_text;
}

}  // namespace
}  // namespace kvtest
