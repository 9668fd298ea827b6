// Black-box tests of the compatibility routes of older clients: GET /get/{key}, POST /set,
// GET /search?prefix|suffix (no default limit) and GET / (every key and value).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

class CompatRoutesTest : public SharedNodeTest<CompatRoutesTest> {};

TEST_F(CompatRoutesTest, GetReturnsTheRawValue) {
  const std::string key = test_key("item");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "raw bytes \x01\xFF"), key, 1, true));
  const Reply reply = kv().get("/get/" + url_encode(key));
  EXPECT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.body, "raw bytes \x01\xFF");
}

TEST_F(CompatRoutesTest, GetOfMissingKeyIsNotFoundWithTheExactMessage) {
  const std::string key = test_key("missing");
  EXPECT_TRUE(IsMissingKeyReply(kv().get("/get/" + url_encode(key)), key));
}

TEST_F(CompatRoutesTest, GetTakesSlashesAndEscapesInTheKeyLikeTheV1Route) {
  const std::string name = current_test_name();
  const std::string key = name + "/dir/file name";
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "nested"), key, 1, true));
  const Reply reply = kv().get("/get/" + name + "/dir/file%20name");
  EXPECT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.body, "nested");
}

TEST_F(CompatRoutesTest, SetWritesLikeTheBatchRoute) {
  const std::string text = test_key("text"), number = test_key("number"),
                    object = test_key("object");
  const Reply reply = kv().post_json(
      "/set", nlohmann::json{{text, "hello"}, {number, 42}, {object, {{"a", true}}}}.dump());
  EXPECT_TRUE(IsJsonReply(reply, 200, {{"written", 3}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(text), "hello", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(number), "json", "42", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(object), "json", R"({"a":true})", 1));
  EXPECT_TRUE(IsJsonReply(kv().post_json("/set", nlohmann::json{{text, "again"}}.dump()), 200,
                          {{"written", 1}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(text), "again", 2));
}

TEST_F(CompatRoutesTest, SetWithAnInvalidKeyWritesNothing) {
  const std::string good = test_key("good");
  EXPECT_TRUE(IsErrorReply(kv().post_json("/set", nlohmann::json{{good, "1"}, {"", "2"}}.dump()),
                           400, "bad_request"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(good), good));
}

TEST_F(CompatRoutesTest, SetWithBadOrNonObjectJsonIsBadRequest) {
  for (const std::string body : {"{", "not json", "[1]", "\"s\"", "7"}) {
    SCOPED_TRACE("body: " + body);
    EXPECT_TRUE(IsErrorReply(kv().post_json("/set", body), 400, "bad_request"));
  }
}

TEST_F(CompatRoutesTest, SetWithATooLargeValueIsPayloadTooLarge) {
  const std::string key = test_key("big");
  KvClient fresh = new_client(/*keep_alive=*/false);
  EXPECT_TRUE(
      IsErrorReply(fresh.post_json("/set", nlohmann::json{{key, std::string(1048577, 'x')}}.dump()),
                   413, "payload_too_large"));
  EXPECT_TRUE(IsMissingKeyReply(new_client(false).get_key(key), key));
}

// Tests that read the whole store need a node of their own.
class CompatWholeStoreTest : public FreshNodeTest {
 protected:
  // Writes `count` keys "<prefix><4 digits><suffix>" with value "v-<key>"; returns them sorted.
  std::map<std::string, std::string> WriteKeys(const std::string& prefix, int count,
                                               const std::string& suffix) {
    std::map<std::string, std::string> entries;
    for (int i = 0; i < count; ++i) {
      std::string index = std::to_string(i);
      index.insert(0, 4 - index.size(), '0');
      const std::string key = prefix + index + suffix;
      entries[key] = "v-" + key;
    }
    EXPECT_TRUE(kv().put_all(entries));
    return entries;
  }

  static std::vector<std::string> keys_of(const std::map<std::string, std::string>& entries) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : entries) keys.push_back(key);
    return keys;
  }
};

TEST_F(CompatWholeStoreTest, SearchByPrefixReturnsEveryMatchBeyondOneThousand) {
  const auto matches = WriteKeys("p/", 1500, "");
  WriteKeys("q/", 300, "");
  WriteKeys("o/", 300, "");
  EXPECT_TRUE(IsJsonReply(kv().get("/search?prefix=p%2F"), 200, keys_of(matches)));
  EXPECT_TRUE(IsJsonReply(kv().get("/search?prefix=p/"), 200, keys_of(matches)));
}

TEST_F(CompatWholeStoreTest, SearchBySuffixReturnsEveryMatchBeyondOneThousand) {
  const auto matches = WriteKeys("logs/", 1200, ".log");
  WriteKeys("logs/", 400, ".txt");
  EXPECT_TRUE(IsJsonReply(kv().get("/search?suffix=.log"), 200, keys_of(matches)));
}

TEST_F(CompatWholeStoreTest, SearchWithoutFiltersReturnsEveryKey) {
  auto all = WriteKeys("a/", 800, "");
  all.merge(WriteKeys("\xE6\x97\xA5/", 700, ""));
  all.merge(WriteKeys("Z/", 100, ""));
  EXPECT_TRUE(IsJsonReply(kv().get("/search"), 200, keys_of(all)));
}

TEST_F(CompatWholeStoreTest, SearchWithNoMatchIsAnEmptyArray) {
  WriteKeys("a/", 10, "");
  EXPECT_TRUE(IsJsonReply(kv().get("/search?prefix=zzz"), 200, nlohmann::json::array()));
  EXPECT_TRUE(IsJsonReply(kv().get("/search?suffix=zzz"), 200, nlohmann::json::array()));
}

TEST_F(CompatWholeStoreTest, SearchDecodesPlusAsSpaceInTheQuery) {
  ASSERT_TRUE(IsWriteReply(kv().put_key("my key", "1"), "my key", 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key("my+key", "2"), "my+key", 1, true));
  EXPECT_TRUE(IsJsonReply(kv().get("/search?prefix=my+"), 200, nlohmann::json::array({"my key"})));
  EXPECT_TRUE(
      IsJsonReply(kv().get("/search?prefix=my%2B"), 200, nlohmann::json::array({"my+key"})));
}

TEST_F(CompatWholeStoreTest, RootReturnsEveryKeyWithItsValueAsAString) {
  auto all = WriteKeys("k/", 1100, "");
  all.merge(WriteKeys("\xC3\xA9/", 200, "-accent"));
  ASSERT_TRUE(IsWriteReply(kv().put_key("empty", ""), "empty", 1, true));
  all["empty"] = "";
  ASSERT_TRUE(IsWriteReply(kv().put_key("utf8", "\xE6\x97\xA5\xE6\x9C\xAC"), "utf8", 1, true));
  all["utf8"] = "\xE6\x97\xA5\xE6\x9C\xAC";
  EXPECT_TRUE(IsJsonReply(kv().get("/"), 200, nlohmann::json(all)));
}

TEST_F(CompatWholeStoreTest, RootOfAnEmptyStoreIsAnEmptyObject) {
  EXPECT_TRUE(IsJsonReply(kv().get("/"), 200, nlohmann::json::object()));
}

TEST_F(CompatWholeStoreTest, SearchOfAnEmptyStoreIsAnEmptyArray) {
  EXPECT_TRUE(IsJsonReply(kv().get("/search"), 200, nlohmann::json::array()));
}

}  // namespace
}  // namespace kvtest
