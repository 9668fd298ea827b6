// kvnode --dialect bernata against the bytes bernata/kvstore's kvclient sends and what it
// parses (dialects.md section 1), and the store shared with the native routes.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/dialect_wire.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr const char* kText = "text/plain; charset=utf-8";

// The headers Go's http client adds to every kvclient request.
constexpr const char* kGoClient = "User-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n";

class BernataDialectTest : public SharedNodeTest<BernataDialectTest> {
 public:
  static std::vector<std::string> node_args() { return {"--dialect", "bernata"}; }

 protected:
  WireReply send(const std::string& request) { return send_wire(node().http_port(), request); }

  // kvclient write: POST, body {"value":"V"} sent chunked, no Content-Type.
  WireReply write(const std::string& path, const std::string& json_body) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", json_body.size());
    return send(wire_request("POST", path,
                             std::string(kGoClient) + "Transfer-Encoding: chunked\r\n",
                             std::string(size) + "\r\n" + json_body + "\r\n0\r\n\r\n"));
  }
  WireReply read(const std::string& path) { return send(wire_request("GET", path, kGoClient)); }
  WireReply erase(const std::string& path) { return send(wire_request("DELETE", path, kGoClient)); }

  // The 404 body of a missing key, which kvclient prints as "[404]: [404]: key 'K' not found".
  static std::string not_found(const std::string& key_json_text) {
    return R"({"message":"[404]: key ')" + key_json_text + R"(' not found","status_code":404})";
  }
};

TEST_F(BernataDialectTest, WriteThenReadAsTheIntegrationScriptDoes) {
  const std::string key = test_key("foo");
  EXPECT_TRUE(IsWire(write("/v1/keys/" + url_encode(url_encode(key)), R"({"value":"baz"})"), 204,
                     kJson, ""));
  EXPECT_TRUE(IsWire(read("/v1/keys/" + url_encode(url_encode(key))), 200, kJson,
                     R"({"key":")" + key + R"(","value":"baz"})"));
}

TEST_F(BernataDialectTest, KeysAreDecodedTwiceSoEveryEncodingOfASlashIsTheSameKey) {
  const std::string name = current_test_name();
  EXPECT_TRUE(IsWire(write("/v1/keys/" + name + "%252Fbar", R"({"value":"v"})"), 204, kJson, ""));
  const std::string expected = R"({"key":")" + name + R"(/bar","value":"v"})";
  for (const std::string path : {"%252Fbar", "%2Fbar", "/bar"}) {
    EXPECT_TRUE(IsWire(read("/v1/keys/" + name + path), 200, kJson, expected)) << path;
  }
}

TEST_F(BernataDialectTest, TheObservedDoubleEncodedKeyRoundTrips) {
  // kvclient's request for key "foo/bar baz%?#é", as captured from the original.
  const std::string path =
      "/v1/keys/" + current_test_name() + "%252Ffoo%252Fbar%2520baz%2525%253F%2523%25C3%25A9";
  EXPECT_TRUE(IsWire(write(path, R"({"value":"x"})"), 204, kJson, ""));
  EXPECT_TRUE(
      IsWire(read(path), 200, kJson,
             R"({"key":")" + current_test_name() + "/foo/bar baz%?#\xC3\xA9\",\"value\":\"x\"}"));
}

TEST_F(BernataDialectTest, MissingKeyIsTheServicesOwn404) {
  const std::string name = current_test_name();
  EXPECT_TRUE(IsWire(read("/v1/keys/" + name + "%252Ffoo"), 404, kJson, not_found(name + "/foo")));
  EXPECT_TRUE(
      IsWire(read("/v1/keys/" + name + "%3C%26"), 404, kJson, not_found(name + R"(\u003c\u0026)")));
  EXPECT_TRUE(IsWire(read("/v1/keys/"), 404, kJson, not_found("")));
}

TEST_F(BernataDialectTest, DeleteIs204WhetherOrNotTheKeyExisted) {
  const std::string path = "/v1/keys/" + url_encode(url_encode(test_key("gone")));
  ASSERT_TRUE(IsWire(write(path, R"({"value":"v"})"), 204, kJson, ""));
  EXPECT_TRUE(IsWire(erase(path), 204, kJson, ""));
  EXPECT_TRUE(IsWire(erase(path), 204, kJson, ""));
  EXPECT_TRUE(IsWire(read(path), 404, kJson, not_found(test_key("gone"))));
  EXPECT_TRUE(IsWire(erase("/v1/keys/"), 204, kJson, ""));
}

TEST_F(BernataDialectTest, AbsentNullAndUnknownFieldsWriteAnEmptyValue) {
  for (const std::string body : {"{}", R"({"value":null})", R"({"other":1})", "null"}) {
    const std::string path = "/v1/keys/" + test_key("empty");
    ASSERT_TRUE(IsWire(write(path, R"({"value":"before"})"), 204, kJson, ""));
    EXPECT_TRUE(IsWire(write(path, body), 204, kJson, "")) << body;
    EXPECT_TRUE(
        IsWire(read(path), 200, kJson, R"({"key":")" + test_key("empty") + R"(","value":""})"))
        << body;
  }
}

TEST_F(BernataDialectTest, ValuesAreWrittenInGosJson) {
  const std::string path = "/v1/keys/" + test_key("html");
  ASSERT_TRUE(IsWire(write(path, "{\"value\":\"<a&b>\\u2028\xC3\xA9\"}"), 204, kJson, ""));
  EXPECT_TRUE(IsWire(read(path), 200, kJson,
                     R"({"key":")" + test_key("html") +
                         "\",\"value\":\"\\u003ca\\u0026b\\u003e\\u2028\xC3\xA9\"}"));
}

TEST_F(BernataDialectTest, BadBodiesAre400WithTheServicesMessage) {
  const std::string path = "/v1/keys/" + test_key("bad");
  const std::string prefix = R"({"message":"[400]: error parsing request body: )";
  for (const std::string body : {"not json", R"({"value":5})", "[1]"}) {
    const WireReply reply = write(path, body);
    EXPECT_EQ(reply.status, 400) << body << "\n" << reply.describe();
    EXPECT_EQ(reply.header("Content-Type"), kJson);
    EXPECT_EQ(reply.body.substr(0, prefix.size()), prefix) << reply.body;
    EXPECT_TRUE(reply.body.ends_with(R"(","status_code":400})")) << reply.body;
  }
  EXPECT_TRUE(IsWire(read(path), 404, kJson, not_found(test_key("bad"))));
}

TEST_F(BernataDialectTest, SizeLimitsAre500WithTheServicesText) {
  EXPECT_TRUE(IsWire(write("/v1/keys/" + std::string(251, 'k'), R"({"value":"v"})"), 500, kText,
                     "max key size allowed is 255 bytes"));
  EXPECT_TRUE(IsWire(
      write("/v1/keys/" + test_key("big"), R"({"value":")" + std::string(1048577, 'v') + R"("})"),
      500, kText, "max value size allowed is 1 MB"));
}

TEST_F(BernataDialectTest, ASecondDecodingThatFailsIs500) {
  EXPECT_TRUE(IsWire(read("/v1/keys/a%25zz"), 500, kText, "invalid URL escape \"%zz\""));
}

TEST_F(BernataDialectTest, UncleanPathsAreRedirected) {
  const WireReply reply = read("/v1/keys/a/../b//c%20d?x=1");
  EXPECT_TRUE(IsWire(reply, 301, std::nullopt, ""));
  EXPECT_EQ(reply.header("Location"), "/v1/keys/b/c%20d?x=1");
}

TEST_F(BernataDialectTest, PingAndReadinessAnswerOkAsText) {
  EXPECT_TRUE(IsWire(read("/v1/ping"), 200, kText, "OK"));
  EXPECT_TRUE(IsWire(read("/v1/readiness"), 200, kText, "OK"));
}

TEST_F(BernataDialectTest, OtherMethodsAre405WithoutABody) {
  EXPECT_TRUE(IsWire(send(wire_request("PUT", "/v1/keys/x", "", "v")), 405, std::nullopt, ""));
  EXPECT_TRUE(IsWire(send(wire_request("HEAD", "/v1/keys/x")), 405, std::nullopt, ""));
  EXPECT_TRUE(IsWire(send(wire_request("POST", "/v1/ping")), 405, std::nullopt, ""));
}

TEST_F(BernataDialectTest, RootIsGos404Page) {
  const WireReply reply = read("/");
  EXPECT_TRUE(IsWire(reply, 404, kText, "404 page not found\n"));
  EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(BernataDialectTest, KeysWrittenHereAreReadNativelyAndTheOtherWayRound) {
  const std::string mine = test_key("bernata"), native = test_key("native");
  ASSERT_TRUE(IsWire(write("/v1/keys/" + url_encode(url_encode(mine)), R"({"value":"from old"})"),
                     204, kJson, ""));
  // /get/{key} and the batch route are not bernata's: they stay native under this dialect.
  const Reply raw = kv().get("/get/" + url_encode(mine));
  EXPECT_EQ(raw.status, 200) << raw.describe();
  EXPECT_EQ(raw.body, "from old");
  ASSERT_TRUE(IsJsonReply(kv().post_batch({{native, "from new"}}), 200, {{"written", 1}}));
  EXPECT_TRUE(IsWire(read("/v1/keys/" + url_encode(url_encode(native))), 200, kJson,
                     R"({"key":")" + native + R"(","value":"from new"})"));
}

TEST_F(BernataDialectTest, MetricsLabelTheRoutesByTemplate) {
  ASSERT_TRUE(IsWire(write("/v1/keys/" + test_key("m"), R"({"value":"v"})"), 204, kJson, ""));
  // Counted once the answer is sent, which the client may see first: polled.
  const std::string series =
      R"(kv_http_requests_total{method="POST",route="/v1/keys/{key}",status="204"})";
  Reply metrics = kv().get("/metrics");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metrics.body.find(series) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = kv().get("/metrics");
  }
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(series), std::string::npos);
  EXPECT_EQ(metrics.body.find(current_test_name()), std::string::npos);
}

}  // namespace
}  // namespace kvtest
