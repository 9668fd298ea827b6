// Black-box tests of the batch write POST /v1/keys: the {"written":N} reply, how string and
// non-string JSON values are stored, and that any invalid key, value or body writes nothing.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

constexpr std::size_t kMaxValueBytes = 1048576;

class BatchWriteTest : public SharedNodeTest<BatchWriteTest> {};

TEST_F(BatchWriteTest, BatchWritesEveryKeyAndReportsTheCount) {
  const std::string a = test_key("a"), b = test_key("b"), c = test_key("c/d");
  EXPECT_TRUE(
      IsJsonReply(kv().post_batch({{a, "1"}, {b, "two"}, {c, "3"}}), 200, {{"written", 3}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(a), "1", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(b), "two", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(c), "3", 1));
}

TEST_F(BatchWriteTest, StringValuesAreStoredAsTheirUtf8Bytes) {
  const std::string plain = test_key("plain"), accented = test_key("accented"),
                    japanese = test_key("japanese"), empty = test_key("empty"),
                    escaped = test_key("escaped");
  const Reply reply =
      kv().post_json("/v1/keys", nlohmann::json{{plain, "text"},
                                                {accented, "h\xC3\xA9llo"},
                                                {japanese, "\xE6\x97\xA5\xE6\x9C\xAC"},
                                                {empty, ""},
                                                {escaped, "quote\" backslash\\ newline\n tab\t"}}
                                     .dump());
  EXPECT_TRUE(IsJsonReply(reply, 200, {{"written", 5}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(plain), "text", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(accented), "h\xC3\xA9llo", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(japanese), "\xE6\x97\xA5\xE6\x9C\xAC", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(empty), "", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(escaped), "quote\" backslash\\ newline\n tab\t", 1));
}

TEST_F(BatchWriteTest, UnicodeEscapesInStringValuesAreDecodedToUtf8) {
  const std::string key = test_key("unicode-escape");
  const std::string body = "{\"" + key + "\": \"caf\\u00e9 \\ud83d\\ude00\"}";
  EXPECT_TRUE(IsJsonReply(kv().post_json("/v1/keys", body), 200, {{"written", 1}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "caf\xC3\xA9 \xF0\x9F\x98\x80", 1));
}

TEST_F(BatchWriteTest, NonStringValuesAreStoredAsCompactJsonOfTypeJson) {
  const std::string n = test_key("number"), neg = test_key("negative"), f = test_key("float"),
                    t = test_key("true"), fa = test_key("false"), z = test_key("null"),
                    o = test_key("object"), arr = test_key("array"), eo = test_key("empty-object");
  // Written by hand with extra whitespace, so that only a compact re-serialisation passes.
  const std::string body = "{ \"" + n + "\" : 42 ,\n \"" + neg + "\": -7, \"" + f + "\": 1.5, \"" +
                           t + "\": true, \"" + fa + "\": false, \"" + z + "\": null,\n \"" + o +
                           "\": { \"a\" : 1 , \"b\" : [ 1 , 2 ] },\n \"" + arr +
                           "\": [ 1 , \"x\" , null , { } ], \"" + eo + "\": { } }";
  EXPECT_TRUE(IsJsonReply(kv().post_json("/v1/keys", body), 200, {{"written", 9}}));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(n), "json", "42", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(neg), "json", "-7", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(f), "json", "1.5", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(t), "json", "true", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(fa), "json", "false", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(z), "json", "null", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(o), "json", R"({"a":1,"b":[1,2]})", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(arr), "json", R"([1,"x",null,{}])", 1));
  EXPECT_TRUE(IsTypedValueReply(kv().get_key(eo), "json", "{}", 1));
}

TEST_F(BatchWriteTest, BatchOverwriteIncrementsVersionsLikePut) {
  const std::string old_key = test_key("old"), new_key = test_key("new");
  ASSERT_TRUE(IsWriteReply(kv().put_key(old_key, "v1"), old_key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(old_key, "v2"), old_key, 2, false));
  EXPECT_TRUE(
      IsJsonReply(kv().post_batch({{old_key, "v3"}, {new_key, "n1"}}), 200, {{"written", 2}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(old_key), "v3", 3));
  EXPECT_TRUE(IsValueReply(kv().get_key(new_key), "n1", 1));
}

TEST_F(BatchWriteTest, BatchKeysAreTakenLiterallyWithoutPercentDecoding) {
  const std::string key = test_key("a%2Fb+c");
  EXPECT_TRUE(IsJsonReply(kv().post_batch({{key, "literal"}}), 200, {{"written", 1}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "literal", 1));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(test_key("a/b+c")), test_key("a/b+c")));
}

TEST_F(BatchWriteTest, EmptyObjectWritesNothing) {
  EXPECT_TRUE(IsJsonReply(kv().post_json("/v1/keys", "{}"), 200, {{"written", 0}}));
}

TEST_F(BatchWriteTest, AnInvalidKeyMakesTheWholeBatchWriteNothing) {
  const std::string good = test_key("good");
  const std::string bad_keys[] = {
      "",
      test_key("ctrl\x01"),
      test_key("del\x7F"),
      test_key("newline\n"),
      test_key(std::string(250, 'k')),
  };
  for (const auto& bad : bad_keys) {
    SCOPED_TRACE("bad key " + url_encode(bad));
    EXPECT_TRUE(IsErrorReply(kv().post_batch({{good, "1"}, {bad, "2"}}), 400, "bad_request"));
    EXPECT_TRUE(IsMissingKeyReply(kv().get_key(good), good));
  }
}

TEST_F(BatchWriteTest, InvalidUtf8InTheBodyIsBadRequestAndWritesNothing) {
  const std::string good = test_key("good");
  const std::string body = "{\"" + good + "\":\"1\",\"" + test_key("bad\xFF") + "\":\"2\"}";
  EXPECT_TRUE(IsErrorReply(kv().post_json("/v1/keys", body), 400, "bad_request"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(good), good));
}

TEST_F(BatchWriteTest, AnInvalidBatchLeavesExistingValuesUntouched) {
  const std::string existing = test_key("existing");
  ASSERT_TRUE(IsWriteReply(kv().put_key(existing, "before"), existing, 1, true));
  EXPECT_TRUE(IsErrorReply(kv().post_batch({{existing, "after"}, {"", "x"}}), 400, "bad_request"));
  EXPECT_TRUE(IsValueReply(kv().get_key(existing), "before", 1));
}

TEST_F(BatchWriteTest, ATooLargeValueIsPayloadTooLargeAndWritesNothing) {
  const std::string small = test_key("small"), big = test_key("big");
  KvClient fresh = new_client(/*keep_alive=*/false);
  EXPECT_TRUE(
      IsErrorReply(fresh.post_batch({{small, "fits"}, {big, std::string(kMaxValueBytes + 1, 'x')}}),
                   413, "payload_too_large"));
  EXPECT_TRUE(IsMissingKeyReply(new_client(false).get_key(small), small));
  EXPECT_TRUE(IsMissingKeyReply(new_client(false).get_key(big), big));
}

TEST_F(BatchWriteTest, AValueOfExactlyOneMebibyteIsAccepted) {
  const std::string key = test_key("max");
  const std::string value(kMaxValueBytes, 'm');
  EXPECT_TRUE(IsJsonReply(kv().post_batch({{key, value}}), 200, {{"written", 1}}));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), value, 1));
}

TEST_F(BatchWriteTest, MalformedJsonIsBadRequest) {
  for (const std::string body :
       {"", "{", "{\"a\":}", "nonsense", "{\"a\":\"b\"} trailing", "{'a':'b'}", "{\"a\" \"b\"}"}) {
    SCOPED_TRACE("body: " + body);
    EXPECT_TRUE(IsErrorReply(kv().post_json("/v1/keys", body), 400, "bad_request"));
  }
}

TEST_F(BatchWriteTest, JsonThatIsNotAnObjectIsBadRequest) {
  for (const std::string body :
       {"[]", "[1,2]", R"([{"a":"b"}])", "\"text\"", "42", "null", "true"}) {
    SCOPED_TRACE("body: " + body);
    EXPECT_TRUE(IsErrorReply(kv().post_json("/v1/keys", body), 400, "bad_request"));
  }
}

TEST_F(BatchWriteTest, LargeBatchWritesEveryKey) {
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 2000; ++i) entries[test_key(numbered("k", i))] = numbered("v", i);
  nlohmann::json batch(entries);
  EXPECT_TRUE(IsJsonReply(kv().post_batch(batch), 200, {{"written", 2000}}));
  for (int i = 0; i < 2000; i += 97) {
    EXPECT_TRUE(IsValueReply(kv().get_key(test_key(numbered("k", i))), numbered("v", i), 1));
  }
}

}  // namespace
}  // namespace kvtest
