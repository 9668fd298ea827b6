// A web page the local user opens must not reach the node: DNS rebinding (a hostile name that
// resolves to 127.0.0.1) is refused by the Host check, cross-site writes by the Origin check,
// and an origin the config allows gets CORS answers instead.
#include <gtest/gtest.h>

#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

class BrowserGuardTest : public SharedNodeTest<BrowserGuardTest> {
 public:
  static std::vector<std::string> node_args() {
    static TempDir dir;
    return {"--config",
            dir.write_file("kvnode.toml", "[http]\ncors_origins = [\"https://app.example\"]\n")};
  }
};

TEST_F(BrowserGuardTest, AHostileHostNameIsRefused) {
  const Reply reply =
      kv().request("GET", "/v1/keys", "", "", {{"Host", "rebind.attacker.example:8080"}});
  EXPECT_TRUE(IsErrorReply(reply, 403, "forbidden"));
}

TEST_F(BrowserGuardTest, LoopbackNamesAreServed) {
  for (const char* host : {"localhost:8080", "127.0.0.1", "[::1]:8080", "LOCALHOST"}) {
    EXPECT_EQ(kv().request("GET", "/v1/ping", "", "", {{"Host", host}}).status, 200) << host;
  }
}

TEST_F(BrowserGuardTest, CrossSiteWritesThatNeedNoPreflightAreRefused) {
  const std::string key = test_key("k");
  EXPECT_TRUE(IsErrorReply(
      kv().request("PUT", key_path(key), "v", "text/plain", {{"Origin", "https://evil.example"}}),
      403, "forbidden"));
  EXPECT_TRUE(IsErrorReply(kv().request("POST", "/set", "k=v", "application/x-www-form-urlencoded",
                                        {{"Origin", "https://evil.example"}}),
                           403, "forbidden"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(BrowserGuardTest, ReadsWithAnOriginAreServedWithoutCorsHeaders) {
  const Reply reply = kv().request("GET", "/v1/ping", "", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.has_header("Access-Control-Allow-Origin"));
}

TEST_F(BrowserGuardTest, AnAllowedOriginWritesAndGetsCorsHeaders) {
  const std::string key = test_key("k");
  const Reply preflight = kv().request("OPTIONS", key_path(key), "", "",
                                       {{"Origin", "https://app.example"},
                                        {"Access-Control-Request-Method", "PUT"},
                                        {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(preflight.status, 204) << preflight.describe();
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(preflight.header("Access-Control-Allow-Methods").find("PUT"), std::string::npos);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Headers"), "content-type");

  const Reply write =
      kv().request("PUT", key_path(key), "v", "text/plain", {{"Origin", "https://app.example"}});
  EXPECT_TRUE(IsWriteReply(write, key, 1, true));
  EXPECT_EQ(write.header("Access-Control-Allow-Origin"), "https://app.example");
}

TEST_F(BrowserGuardTest, OptionsWithoutAnAllowedOriginIsNotAllowed) {
  EXPECT_EQ(kv().request("OPTIONS", "/v1/ping").status, 405);
}

}  // namespace
}  // namespace kvtest
