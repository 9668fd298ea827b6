// Black-box tests of the single-key routes /v1/keys/{key}: PUT, GET, HEAD, DELETE and POST
// (base64 JSON), versions, if_version compare-and-swap, and the exact reply bodies and headers.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

class KeysApiTest : public SharedNodeTest<KeysApiTest> {};

// ---- PUT / GET / versions --------------------------------------------------------------------

TEST_F(KeysApiTest, PutCreatesKeyAtVersionOneAndGetReturnsTheRawValue) {
  const std::string key = test_key("greeting");
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "hello"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "hello", 1));
}

TEST_F(KeysApiTest, EveryWriteIncrementsTheVersion) {
  const std::string key = test_key("counter");
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "one"), key, 1, true));
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "two"), key, 2, false));
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "three"), key, 3, false));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "three", 3));
}

TEST_F(KeysApiTest, RecreatedKeyStartsAgainAtVersionOne) {
  const std::string key = test_key("phoenix");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "a"), key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "b"), key, 2, false));
  ASSERT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", true}}));
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "c"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "c", 1));
}

TEST_F(KeysApiTest, EmptyValueIsStoredAndReturned) {
  const std::string key = test_key("empty");
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, ""), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "", 1));
}

TEST_F(KeysApiTest, OverwriteWithShorterValueReplacesItWhole) {
  const std::string key = test_key("shrink");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "a long first value"), key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "short"), key, 2, false));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "short", 2));
}

// ---- missing keys ----------------------------------------------------------------------------

TEST_F(KeysApiTest, GetOfMissingKeyIsNotFoundWithTheExactMessage) {
  const std::string key = test_key("never-written");
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(KeysApiTest, MissingKeyMessageShowsTheDecodedKey) {
  const std::string key = test_key("dir/my file");
  const Reply reply = kv().get("/v1/keys/" + current_test_name() + "/dir/my%20file");
  EXPECT_TRUE(IsMissingKeyReply(reply, key));
}

// ---- HEAD ------------------------------------------------------------------------------------

TEST_F(KeysApiTest, HeadOfExistingKeyHasTheVersionHeaderAndNoBody) {
  const std::string key = test_key("headed");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "value two"), key, 2, false));

  const Reply reply = kv().head_key(key);
  EXPECT_EQ(reply.status, 200) << reply.describe();
  EXPECT_EQ(reply.header("X-Kv-Version"), "2");
  EXPECT_EQ(reply.body, "");

  // The headers GET would send, with the length of the body HEAD leaves out.
  const RawResponse raw = raw_http(
      node().host(), node().http_port(),
      "HEAD " + key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      /*is_head=*/true);
  ASSERT_EQ(raw.error, "");
  EXPECT_EQ(raw.status, 200) << raw.head;
  EXPECT_EQ(raw.body, "") << "HEAD reply carried body bytes";
  const std::size_t length = raw.head.find("\r\nContent-Length: ");
  ASSERT_NE(length, std::string::npos) << raw.head;
  EXPECT_EQ(raw.head.substr(length + 18, raw.head.find('\r', length + 2) - length - 18), "9")
      << raw.head;
  EXPECT_NE(raw.head.find("\r\nContent-Type: application/octet-stream"), std::string::npos)
      << raw.head;
}

TEST_F(KeysApiTest, HeadOfMissingKeyIsNotFoundWithNoBody) {
  const std::string key = test_key("absent");
  const Reply reply = kv().head_key(key);
  EXPECT_EQ(reply.status, 404) << reply.describe();
  EXPECT_FALSE(reply.has_header("X-Kv-Version"));

  const RawResponse raw = raw_http(
      node().host(), node().http_port(),
      "HEAD " + key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      /*is_head=*/true);
  ASSERT_EQ(raw.error, "");
  EXPECT_EQ(raw.status, 404) << raw.head;
  EXPECT_EQ(raw.body, "") << "HEAD reply carried body bytes";
}

// ---- DELETE ----------------------------------------------------------------------------------

TEST_F(KeysApiTest, DeleteOfExistingKeyRemovesIt) {
  const std::string key = test_key("doomed");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "x"), key, 1, true));
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", true}}));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
  EXPECT_EQ(kv().head_key(key).status, 404);
}

TEST_F(KeysApiTest, DeleteOfMissingKeyIsOkWithDeletedFalse) {
  const std::string key = test_key("ghost");
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", false}}));
}

TEST_F(KeysApiTest, SecondDeleteReportsDeletedFalse) {
  const std::string key = test_key("twice");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "x"), key, 1, true));
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", true}}));
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", false}}));
}

// ---- if_version on PUT -----------------------------------------------------------------------

TEST_F(KeysApiTest, PutIfVersionZeroCreatesAnAbsentKey) {
  const std::string key = test_key("fresh");
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "first", 0), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "first", 1));
}

TEST_F(KeysApiTest, PutIfVersionZeroOnExistingKeyConflictsAndChangesNothing) {
  const std::string key = test_key("taken");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "original"), key, 1, true));
  EXPECT_TRUE(IsErrorReply(kv().put_key(key, "intruder", 0), 409, "conflict"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "original", 1));
}

TEST_F(KeysApiTest, PutIfVersionMatchingTheCurrentVersionWrites) {
  const std::string key = test_key("cas");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "v2", 1), key, 2, false));
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "v3", 2), key, 3, false));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "v3", 3));
}

TEST_F(KeysApiTest, PutIfVersionNotMatchingConflictsAndChangesNothing) {
  const std::string key = test_key("stale");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v2"), key, 2, false));
  EXPECT_TRUE(IsErrorReply(kv().put_key(key, "late", 1), 409, "conflict"));
  EXPECT_TRUE(IsErrorReply(kv().put_key(key, "early", 3), 409, "conflict"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "v2", 2));
}

// The version a retry needs comes as a GET gives it, in X-Kv-Version, not only in words.
TEST_F(KeysApiTest, AConflictTellsTheCurrentVersionInItsHeader) {
  const std::string key = test_key("current");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v2"), key, 2, false));
  for (const auto& reply : {kv().put_key(key, "late", 1), kv().put_key(key, "taken", 0),
                            kv().delete_key(key, 7)}) {
    EXPECT_TRUE(IsErrorReply(reply, 409, "conflict"));
    EXPECT_EQ(reply.header("X-Kv-Version"), "2");
  }
  EXPECT_EQ(kv().put_key(test_key("absent"), "x", 3).header("X-Kv-Version"), "0");
}

TEST_F(KeysApiTest, PutIfVersionNonZeroOnMissingKeyConflictsAndCreatesNothing) {
  const std::string key = test_key("not-there");
  EXPECT_TRUE(IsErrorReply(kv().put_key(key, "x", 1), 409, "conflict"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(KeysApiTest, NonNumericIfVersionOnPutIsBadRequest) {
  const std::string key = test_key("bad-cas");
  for (const std::string text : {"abc", "1x", "-1", "1.5", "0x1"}) {
    SCOPED_TRACE("if_version=" + text);
    EXPECT_TRUE(
        IsErrorReply(kv().put(key_path(key) + "?if_version=" + text, "v"), 400, "bad_request"));
  }
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

// ---- if_version on DELETE --------------------------------------------------------------------

TEST_F(KeysApiTest, DeleteIfVersionMatchingDeletes) {
  const std::string key = test_key("cas-delete");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v2"), key, 2, false));
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key, 2), 200, {{"key", key}, {"deleted", true}}));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(KeysApiTest, DeleteIfVersionNotMatchingConflictsAndKeepsTheKey) {
  const std::string key = test_key("cas-keep");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  EXPECT_TRUE(IsErrorReply(kv().delete_key(key, 2), 409, "conflict"));
  EXPECT_TRUE(IsErrorReply(kv().delete_key(key, 0), 409, "conflict"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "v1", 1));
}

TEST_F(KeysApiTest, DeleteIfVersionNonZeroOnMissingKeyConflicts) {
  const std::string key = test_key("cas-ghost");
  EXPECT_TRUE(IsErrorReply(kv().delete_key(key, 1), 409, "conflict"));
}

TEST_F(KeysApiTest, DeleteIfVersionZeroOnMissingKeyIsOkWithDeletedFalse) {
  const std::string key = test_key("cas-ghost-zero");
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key, 0), 200, {{"key", key}, {"deleted", false}}));
}

TEST_F(KeysApiTest, NonNumericIfVersionOnDeleteIsBadRequestAndKeepsTheKey) {
  const std::string key = test_key("bad-cas-delete");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "v1"), key, 1, true));
  for (const std::string text : {"abc", "1x", "-1"}) {
    SCOPED_TRACE("if_version=" + text);
    EXPECT_TRUE(IsErrorReply(kv().del(key_path(key) + "?if_version=" + text), 400, "bad_request"));
  }
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "v1", 1));
}

// ---- POST /v1/keys/{key} with base64 ---------------------------------------------------------

TEST_F(KeysApiTest, PostStoresTheBase64DecodedBytes) {
  const std::string key = test_key("posted");
  EXPECT_TRUE(IsWriteReply(kv().post_json(key_path(key), R"({"value":"aGVsbG8="})"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "hello", 1));
  EXPECT_TRUE(IsWriteReply(kv().post_key_base64(key, "again"), key, 2, false));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "again", 2));
}

TEST_F(KeysApiTest, PostAcceptsBase64WithoutPadding) {
  const std::string key = test_key("unpadded");
  EXPECT_TRUE(IsWriteReply(kv().post_json(key_path(key), R"({"value":"aGVsbG8"})"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "hello", 1));
  EXPECT_TRUE(IsWriteReply(kv().post_json(key_path(key), R"({"value":"YQ"})"), key, 2, false));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "a", 2));
}

TEST_F(KeysApiTest, PostOfEmptyBase64StoresAnEmptyValue) {
  const std::string key = test_key("posted-empty");
  EXPECT_TRUE(IsWriteReply(kv().post_json(key_path(key), R"({"value":""})"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "", 1));
}

TEST_F(KeysApiTest, PostOfEveryByteValueRoundTrips) {
  const std::string key = test_key("posted-binary");
  EXPECT_TRUE(IsWriteReply(kv().post_key_base64(key, all_byte_values()), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), all_byte_values(), 1));
}

TEST_F(KeysApiTest, PostAfterDeleteRecreatesAtVersionOne) {
  const std::string key = test_key("posted-recreated");
  ASSERT_TRUE(IsWriteReply(kv().post_key_base64(key, "a"), key, 1, true));
  ASSERT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", true}}));
  EXPECT_TRUE(IsWriteReply(kv().post_key_base64(key, "b"), key, 1, true));
}

TEST_F(KeysApiTest, PostWithABodyThatIsNotAnObjectWithBase64ValueIsBadRequest) {
  const std::string key = test_key("bad-post");
  const std::string bodies[] = {
      "not json",
      "",
      "{\"value\":",
      "[]",
      "\"aGVsbG8=\"",
      "{}",
      R"({"val":"aGVsbG8="})",
      R"({"value":5})",
      R"({"value":null})",
      R"({"value":["aGVsbG8="]})",
      R"({"value":"!!!!"})",
      R"({"value":"A"})",
      R"({"value":"aGVs bG8="})",
      R"({"value":"aG=VsbG8"})",
      R"({"value":"_-_-"})",
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE("body: " + body);
    EXPECT_TRUE(IsErrorReply(kv().post_json(key_path(key), body), 400, "bad_request"));
  }
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(KeysApiTest, BadPostLeavesAnExistingValueUntouched) {
  const std::string key = test_key("kept");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "keep me"), key, 1, true));
  EXPECT_TRUE(
      IsErrorReply(kv().post_json(key_path(key), R"({"value":"***"})"), 400, "bad_request"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "keep me", 1));
}

// ---- visibility ------------------------------------------------------------------------------

TEST_F(KeysApiTest, WriteIsVisibleOnANewConnectionRightAfterTheReply) {
  KvClient writer = new_client(/*keep_alive=*/true);
  for (int i = 0; i < 50; ++i) {
    const std::string key = test_key(numbered("k", i));
    const std::string value = numbered("v", i);
    ASSERT_TRUE(IsWriteReply(writer.put_key(key, value), key, 1, true));
    KvClient reader = new_client(/*keep_alive=*/false);
    ASSERT_TRUE(IsValueReply(reader.get_key(key), value, 1)) << key;
    ASSERT_TRUE(IsJsonReply(writer.delete_key(key), 200, {{"key", key}, {"deleted", true}}));
    ASSERT_TRUE(IsMissingKeyReply(new_client(false).get_key(key), key));
  }
}

}  // namespace
}  // namespace kvtest
