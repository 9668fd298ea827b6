// kvnode --dialect agathemmanuel against what AgathEmmanuel/key-value-store's tests (FastAPI's
// TestClient) send and check (dialects.md section 3), and the store shared with the native
// routes.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/dialect_wire.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_restarts.hpp"

namespace kvtest {
namespace {

constexpr const char* kJson = "application/json";

// The service's tests run against its seeded store; each test gets a fresh one.
class AgathemmanuelDialectTest : public FreshNodeTest {
 protected:
  std::vector<std::string> node_args() override { return {"--dialect", "agathemmanuel"}; }

  WireReply send(const std::string& request) { return send_wire(node().http_port(), request); }
  WireReply get(const std::string& target) {
    // The headers of FastAPI's TestClient (requests).
    return send(wire_request("GET", target,
                             "User-Agent: testclient\r\nAccept-Encoding: gzip, deflate\r\n"
                             "Accept: */*\r\n"));
  }
  WireReply set(const std::string& body, const std::string& type = "application/json") {
    return send(
        wire_request("POST", "/set", type.empty() ? "" : "Content-Type: " + type + "\r\n", body));
  }
};

TEST_F(AgathemmanuelDialectTest, TheSeededKeysAreThere) {
  for (const std::string key : {"abc-1", "abc-2", "xyz-1", "xyz-2"}) {
    EXPECT_TRUE(IsWire(get("/get/" + key), 200, kJson, "\"" + key + "\""));
  }
}

TEST_F(AgathemmanuelDialectTest, MissingKeyIs404KeyNotFound) {
  EXPECT_TRUE(IsWire(get("/get/abc-3"), 404, kJson, R"({"detail":"Key not found"})"));
}

TEST_F(AgathemmanuelDialectTest, SetWritesOnePairAndAnswersNull) {
  EXPECT_TRUE(IsWire(set(R"({"key": "new-key", "value": "new-value"})"), 200, kJson, "null"));
  EXPECT_TRUE(IsWire(get("/get/new-key"), 200, kJson, R"("new-value")"));
  EXPECT_TRUE(
      IsWire(set(R"({"key": "abc-1", "value": "changed", "extra": 1})"), 200, kJson, "null"));
  EXPECT_TRUE(IsWire(get("/get/abc-1"), 200, kJson, R"("changed")"));
}

TEST_F(AgathemmanuelDialectTest, NumbersAndBooleansBecomeTheirPythonText) {
  ASSERT_EQ(set(R"({"key": 5, "value": 6.5})").status, 200);
  EXPECT_TRUE(IsWire(get("/get/5"), 200, kJson, R"("6.5")"));
  ASSERT_EQ(set(R"({"key": "b", "value": true})").status, 200);
  EXPECT_TRUE(IsWire(get("/get/b"), 200, kJson, R"("True")"));
  ASSERT_EQ(set(R"({"key": "f", "value": 1e3})").status, 200);
  EXPECT_TRUE(IsWire(get("/get/f"), 200, kJson, R"("1000.0")"));
}

TEST_F(AgathemmanuelDialectTest, ValidationErrorsAre422WithPydanticsDetail) {
  EXPECT_TRUE(IsWire(
      set(R"({"key": "k"})"), 422, kJson,
      R"({"detail":[{"loc":["body","value"],"msg":"field required","type":"value_error.missing"}]})"));
  EXPECT_TRUE(
      IsWire(set(R"({"value": null, "key": []})"), 422, kJson,
             R"({"detail":[{"loc":["body","key"],"msg":"str type expected",)"
             R"("type":"type_error.str"},{"loc":["body","value"],)"
             R"("msg":"none is not an allowed value","type":"type_error.none.not_allowed"}]})"));
  EXPECT_TRUE(
      IsWire(set("x", ""), 422, kJson,
             R"j({"detail":[{"loc":["body",0],"msg":"Expecting value: line 1 column 1 )j"
             R"j((char 0)","type":"value_error.jsondecode","ctx":{"msg":"Expecting value",)j"
             R"j("doc":"x","pos":0,"lineno":1,"colno":1}}]})j"));
  EXPECT_TRUE(IsWire(
      set("key=k&value=v", "application/x-www-form-urlencoded"), 422, kJson,
      R"({"detail":[{"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"}]})"));
  EXPECT_TRUE(IsWire(
      set(""), 422, kJson,
      R"({"detail":[{"loc":["body"],"msg":"field required","type":"value_error.missing"}]})"));
  EXPECT_TRUE(IsWire(get("/get/k"), 404, kJson, R"({"detail":"Key not found"})"));
}

TEST_F(AgathemmanuelDialectTest, SearchReturnsValuesAsTheServicesTestsExpect) {
  EXPECT_TRUE(IsWire(get("/search"), 200, kJson, "[]"));
  EXPECT_TRUE(IsWire(get("/search?prefix=abc"), 200, kJson, R"(["abc-1","abc-2"])"));
  EXPECT_TRUE(IsWire(get("/search?suffix=-1"), 200, kJson, R"(["abc-1","xyz-1"])"));
  EXPECT_TRUE(IsWire(get("/search?prefix=abc&suffix=-1"), 200, kJson,
                     R"(["abc-1","abc-2","abc-1","xyz-1"])"));
  EXPECT_TRUE(IsWire(get("/search?prefix=&suffix="), 200, kJson, "[]"));
  ASSERT_EQ(set(R"({"key": "abc-9", "value": "nine"})").status, 200);
  EXPECT_TRUE(IsWire(get("/search?prefix=abc"), 200, kJson, R"(["abc-1","abc-2","nine"])"));
}

// FastAPI routes take only their declared method: HEAD of a GET route is 405.
TEST_F(AgathemmanuelDialectTest, HeadOfAGetRouteIs405) {
  const WireReply reply = send(wire_request("HEAD", "/get/abc-1"));
  EXPECT_TRUE(IsWire(reply, 405, kJson, ""));
  EXPECT_EQ(reply.header("Allow"), "GET");
  // The connection is still usable afterwards: no stray body bytes followed the headers.
  RawConnection connection("127.0.0.1", node().http_port());
  ASSERT_TRUE(connection.send(wire_request("HEAD", "/search?prefix=abc")));
  EXPECT_EQ(connection.read_response(true).status, 405);
  ASSERT_TRUE(connection.send(wire_request("GET", "/get/abc-2")));
  const RawResponse after = connection.read_response(false);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, R"("abc-2")");
}

TEST_F(AgathemmanuelDialectTest, UnknownPathsWrongMethodsAndTrailingSlashes) {
  EXPECT_TRUE(IsWire(get("/"), 404, kJson, R"({"detail":"Not Found"})"));
  EXPECT_TRUE(IsWire(get("/get/a%2Fb"), 404, kJson, R"({"detail":"Not Found"})"));
  const WireReply wrong = get("/set");
  EXPECT_TRUE(IsWire(wrong, 405, kJson, R"({"detail":"Method Not Allowed"})"));
  EXPECT_EQ(wrong.header("Allow"), "POST");
  EXPECT_EQ(send(wire_request("POST", "/get/abc-1")).status, 405);
  const WireReply slash = get("/search/?prefix=abc");
  EXPECT_TRUE(IsWire(slash, 307, std::nullopt, ""));
  EXPECT_EQ(slash.header("Location"), "http://127.0.0.1/search?prefix=abc");
}

TEST_F(AgathemmanuelDialectTest, KeysWrittenHereAreReadNativelyAndTheOtherWayRound) {
  ASSERT_EQ(set(R"({"key": "old", "value": "from old"})").status, 200);
  EXPECT_TRUE(IsValueReply(kv().get_key("old"), "from old", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key("abc-1"), "abc-1", 1));
  ASSERT_TRUE(IsWriteReply(kv().put_key("new", "from new \xC3\xA9"), "new", 1, true));
  EXPECT_TRUE(IsWire(get("/get/new"), 200, kJson, "\"from new \xC3\xA9\""));
}

// With a data directory, the seed keys go into it on the first start only: what clients did to
// them since survives a restart.
TEST(AgathemmanuelSeedTest, SeedsAreWrittenOnceIntoAnEmptyDataDirectory) {
  NodeProcess node({"--dialect", "agathemmanuel", "--persistence", "wal"});
  ASSERT_TRUE(start_and_wait_ready(node)) << node.stderr_text();
  {
    KvClient kv(node.host(), node.http_port());
    EXPECT_TRUE(IsValueReply(kv.get_key("abc-1"), "abc-1", 1));
    ASSERT_EQ(kv.delete_key("abc-1").status, 200);
    ASSERT_TRUE(IsWriteReply(kv.put_key("abc-2", "mine"), "abc-2", 2, false));
  }
  ASSERT_TRUE(kill_and_restart(node)) << node.stderr_text();
  KvClient kv(node.host(), node.http_port());
  EXPECT_TRUE(IsMissingKeyReply(kv.get_key("abc-1"), "abc-1"));
  EXPECT_TRUE(IsValueReply(kv.get_key("abc-2"), "mine", 2));
  EXPECT_TRUE(IsValueReply(kv.get_key("xyz-1"), "xyz-1", 1));
}

}  // namespace
}  // namespace kvtest
