// kvnode --dialect importhuman against what importhuman/kv-store's handlers_test.go, its
// readiness probe and its users send and check (dialects.md section 2), and the store shared
// with the native routes.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/dialect_wire.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain; charset=utf-8";

// handlers_test.go shares one store across its tests, in file order, from an empty one.
class ImporthumanDialectTest : public FreshNodeTest {
 protected:
  std::vector<std::string> node_args() override { return {"--dialect", "importhuman"}; }

  WireReply send(const std::string& request) { return send_wire(node().http_port(), request); }
  WireReply get(const std::string& target) { return send(wire_request("GET", target)); }
  WireReply set(const std::string& body) {
    return send(wire_request("POST", "/set", "Content-Type: application/json\r\n", body));
  }
  void SetTestData() {
    ASSERT_TRUE(IsWire(set(R"({"abc-1":1,"abc-2":2,"xyz-1":"three","xyz-2":4})"), 200, kJson,
                       "{\"abc-1\":1,\"abc-2\":2,\"xyz-1\":\"three\",\"xyz-2\":4}\n"));
  }
};

TEST_F(ImporthumanDialectTest, SetOnAnEmptyStoreAnswersTheWholeStore) {
  EXPECT_TRUE(IsWire(set(R"({"abc-1":"one"})"), 200, kJson, "{\"abc-1\":\"one\"}\n"));
  EXPECT_TRUE(IsWire(set(R"({"b":true})"), 200, kJson, "{\"abc-1\":\"one\",\"b\":true}\n"));
}

TEST_F(ImporthumanDialectTest, RootIsTheWholeStoreWithTypedValues) {
  EXPECT_TRUE(IsWire(get("/"), 200, kJson, "{}\n"));
  SetTestData();
  EXPECT_TRUE(
      IsWire(get("/"), 200, kJson, "{\"abc-1\":1,\"abc-2\":2,\"xyz-1\":\"three\",\"xyz-2\":4}\n"));
}

TEST_F(ImporthumanDialectTest, GetAnswersTheValueJsonEncodedWithANewline) {
  SetTestData();
  EXPECT_TRUE(IsWire(get("/get/abc-1"), 200, kJson, "1\n"));
  EXPECT_TRUE(IsWire(get("/get/xyz-1"), 200, kJson, "\"three\"\n"));
  ASSERT_EQ(set(R"({"n":null,"o":{"a":[true]}})").status, 200);
  EXPECT_TRUE(IsWire(get("/get/n"), 200, kJson, "null\n"));
  EXPECT_TRUE(IsWire(get("/get/o"), 200, kJson, "{\"a\":[true]}\n"));
}

TEST_F(ImporthumanDialectTest, MissingKeyIs400KeyNotPresent) {
  const WireReply reply = get("/get/nope");
  EXPECT_TRUE(IsWire(reply, 400, kText, "Key not present\n"));
  EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(ImporthumanDialectTest, GetTakesOneDecodedSegment) {
  ASSERT_EQ(set(R"({"a b":"1","a/b":"2"})").status, 200);
  EXPECT_TRUE(IsWire(get("/get/a%20b"), 200, kJson, "\"1\"\n"));
  EXPECT_TRUE(IsWire(get("/get/a%2Fb"), 404, kText, "404 page not found\n"));
  EXPECT_TRUE(IsWire(get("/get/a/b"), 404, kText, "404 page not found\n"));
  const WireReply unclean = get("/get/./a%20b");
  EXPECT_TRUE(IsWire(unclean, 301, std::nullopt, ""));
  EXPECT_EQ(unclean.header("Location"), "/get/a%20b");
}

TEST_F(ImporthumanDialectTest, NumbersAreFloat64AndStringsGoEscaped) {
  EXPECT_TRUE(IsWire(set(R"({"f":2.50,"big":12345678901234567890,"tiny":1e-7,"E":1E3,"s":"<&>"})"),
                     200, kJson,
                     "{\"E\":1000,\"big\":12345678901234567000,\"f\":2.5,\"s\":\"\\u003c\\u0026"
                     "\\u003e\",\"tiny\":1e-7}\n"));
}

TEST_F(ImporthumanDialectTest, SetReadsTheFirstJsonValueAndLaterDuplicatesWin) {
  EXPECT_TRUE(IsWire(set(R"({"k":1,"k":2} trailing)"), 200, kJson, "{\"k\":2}\n"));
  EXPECT_TRUE(IsWire(set("null"), 200, kJson, "{\"k\":2}\n"));
}

TEST_F(ImporthumanDialectTest, SearchByPrefixAndSuffix) {
  SetTestData();
  EXPECT_TRUE(IsWire(get("/search?prefix=abc"), 200, kJson, "[\"abc-1\",\"abc-2\"]\n"));
  EXPECT_TRUE(IsWire(get("/search?suffix=-1"), 200, kJson, "[\"abc-1\",\"xyz-1\"]\n"));
  // Prefix matches, then suffix matches, a key in both twice.
  EXPECT_TRUE(IsWire(get("/search?prefix=abc&suffix=-1"), 200, kJson,
                     "[\"abc-1\",\"abc-2\",\"abc-1\",\"xyz-1\"]\n"));
  EXPECT_TRUE(
      IsWire(get("/search?prefix="), 200, kJson, "[\"abc-1\",\"abc-2\",\"xyz-1\",\"xyz-2\"]\n"));
  EXPECT_TRUE(IsWire(get("/search?prefix=zzz"), 200, kJson, "null\n"));
  EXPECT_TRUE(IsWire(get("/search"), 404, kText, "404 page not found\n"));
}

TEST_F(ImporthumanDialectTest, WrongMethodsAre405WithoutABody) {
  EXPECT_TRUE(IsWire(send(wire_request("POST", "/", "", "{}")), 405, std::nullopt, ""));
  EXPECT_TRUE(IsWire(get("/set"), 405, std::nullopt, ""));
  EXPECT_TRUE(IsWire(send(wire_request("DELETE", "/get/x")), 405, std::nullopt, ""));
}

TEST_F(ImporthumanDialectTest, ABadBodyIs400AndWritesNothing) {
  for (const std::string body : {"", "not json", "[1]", R"({"":"empty key"})"}) {
    const WireReply reply = set(body);
    EXPECT_EQ(reply.status, 400) << body << "\n" << reply.describe();
    EXPECT_EQ(reply.header("Content-Type"), kText);
  }
  EXPECT_TRUE(IsWire(get("/"), 200, kJson, "{}\n"));
}

TEST_F(ImporthumanDialectTest, KeysWrittenHereAreReadNativelyAndTheOtherWayRound) {
  ASSERT_EQ(set(R"({"text":"t","number":42,"object":{"a":true}})").status, 200);
  EXPECT_TRUE(IsValueReply(kv().get_key("text"), "t", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key("number"), "json", "42", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key("object"), "json", R"({"a":true})", 1));
  ASSERT_TRUE(IsWriteReply(kv().put_key("raw", "bytes"), "raw", 1, true));
  ASSERT_EQ(kv().put("/v1/keys/int?type=int", "7").status, 200);
  ASSERT_EQ(kv().put("/v1/keys/set?type=set", R"(["b","a"])").status, 200);
  EXPECT_TRUE(IsWire(get("/get/raw"), 200, kJson, "\"bytes\"\n"));
  EXPECT_TRUE(IsWire(get("/get/int"), 200, kJson, "7\n"));
  EXPECT_TRUE(IsWire(get("/get/set"), 200, kJson, "[\"a\",\"b\"]\n"));
}

}  // namespace
}  // namespace kvtest
