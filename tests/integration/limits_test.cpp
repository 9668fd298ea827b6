// Black-box tests of what a key and a value may be: size limits (250-byte keys, 1 MiB values),
// UTF-8 and control-character rules, percent-decoding of paths, and binary-safe values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

constexpr std::size_t kMaxKeyBytes = 250;
constexpr std::size_t kMaxValueBytes = 1048576;

class KeyAndValueLimitsTest : public SharedNodeTest<KeyAndValueLimitsTest> {
 protected:
  // Every route that takes a key must reject `escaped_key` (already percent-encoded) with 400,
  // and HEAD with a bare 400.
  void ExpectKeyRejectedOnEveryRoute(const std::string& escaped_key) {
    const std::string path = "/v1/keys/" + escaped_key;
    SCOPED_TRACE("path " + path);
    EXPECT_TRUE(IsErrorReply(kv().put(path, "v"), 400, "bad_request")) << "PUT";
    EXPECT_TRUE(IsErrorReply(kv().get(path), 400, "bad_request")) << "GET";
    EXPECT_EQ(kv().head(path).status, 400) << "HEAD";
    EXPECT_TRUE(IsErrorReply(kv().del(path), 400, "bad_request")) << "DELETE";
    EXPECT_TRUE(IsErrorReply(kv().post_json(path, R"({"value":"dg=="})"), 400, "bad_request"))
        << "POST";
    EXPECT_TRUE(IsErrorReply(kv().get("/get/" + escaped_key), 400, "bad_request")) << "GET /get";
  }

  // A key prefix unique to the test, padded with `filler` to exactly `size` bytes.
  static std::string key_of_size(std::size_t size, const std::string& filler = "k") {
    std::string key = current_test_name() + "/";
    while (key.size() + filler.size() <= size) key += filler;
    while (key.size() < size) key += "x";
    return key;
  }
};

// ---- value size ------------------------------------------------------------------------------

TEST_F(KeyAndValueLimitsTest, ValueOfExactlyOneMebibyteIsStoredAndReturnedIntact) {
  const std::string key = test_key("max-value");
  std::string value(kMaxValueBytes, '\0');
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>((i * 7 + 3) % 256);
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, value), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), value, 1));
}

TEST_F(KeyAndValueLimitsTest, ValueOneByteOverOneMebibyteIsPayloadTooLarge) {
  const std::string key = test_key("too-big");
  KvClient fresh = new_client(/*keep_alive=*/false);
  EXPECT_TRUE(IsErrorReply(fresh.put_key(key, std::string(kMaxValueBytes + 1, 'x')), 413,
                           "payload_too_large"));
  EXPECT_TRUE(IsMissingKeyReply(new_client(false).get_key(key), key));
}

TEST_F(KeyAndValueLimitsTest, TooLargeValueDoesNotReplaceAnExistingValue) {
  const std::string key = test_key("kept");
  ASSERT_TRUE(IsWriteReply(kv().put_key(key, "small"), key, 1, true));
  KvClient fresh = new_client(/*keep_alive=*/false);
  EXPECT_TRUE(IsErrorReply(fresh.put_key(key, std::string(kMaxValueBytes + 1, 'x')), 413,
                           "payload_too_large"));
  EXPECT_TRUE(IsValueReply(new_client(false).get_key(key), "small", 1));
}

TEST_F(KeyAndValueLimitsTest, Base64PostOfOneMebibyteIsStored) {
  const std::string key = test_key("max-post");
  const std::string value(kMaxValueBytes, '\xAB');
  EXPECT_TRUE(IsWriteReply(kv().post_key_base64(key, value), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), value, 1));
}

TEST_F(KeyAndValueLimitsTest, Base64PostOfOneMebibytePlusOneIsPayloadTooLarge) {
  const std::string key = test_key("too-big-post");
  KvClient fresh = new_client(/*keep_alive=*/false);
  EXPECT_TRUE(IsErrorReply(fresh.post_key_base64(key, std::string(kMaxValueBytes + 1, 'x')), 413,
                           "payload_too_large"));
  EXPECT_TRUE(IsMissingKeyReply(new_client(false).get_key(key), key));
}

// ---- key size --------------------------------------------------------------------------------

TEST_F(KeyAndValueLimitsTest, KeyOf250BytesIsAccepted) {
  const std::string key = key_of_size(kMaxKeyBytes);
  ASSERT_EQ(key.size(), kMaxKeyBytes);
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, "v"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "v", 1));
  EXPECT_TRUE(IsJsonReply(kv().delete_key(key), 200, {{"key", key}, {"deleted", true}}));
}

TEST_F(KeyAndValueLimitsTest, KeyOf251BytesIsRejectedOnEveryRoute) {
  const std::string key = key_of_size(kMaxKeyBytes + 1);
  ASSERT_EQ(key.size(), kMaxKeyBytes + 1);
  ExpectKeyRejectedOnEveryRoute(url_encode(key));
}

TEST_F(KeyAndValueLimitsTest, KeyLimitCountsBytesNotCharacters) {
  const std::string fits = key_of_size(kMaxKeyBytes, "\xC3\xA9");  // é is two bytes
  ASSERT_EQ(fits.size(), kMaxKeyBytes);
  EXPECT_TRUE(IsWriteReply(kv().put_key(fits, "v"), fits, 1, true));

  std::string too_long = current_test_name() + "/";
  while (too_long.size() < kMaxKeyBytes) too_long += "\xE6\x97\xA5";  // 日, three bytes
  ASSERT_GT(too_long.size(), kMaxKeyBytes);
  EXPECT_TRUE(IsErrorReply(kv().put_key(too_long, "v"), 400, "bad_request"));
}

// ---- key content -----------------------------------------------------------------------------

TEST_F(KeyAndValueLimitsTest, EmptyKeyIsRejectedOnEveryRoute) {
  ExpectKeyRejectedOnEveryRoute("");
}

TEST_F(KeyAndValueLimitsTest, InvalidUtf8KeysAreRejectedOnEveryRoute) {
  for (const std::string escaped : {
           "%FF",           // never valid
           "bad%C3%28",     // lead byte followed by a non-continuation
           "%C3",           // truncated sequence
           "%C0%AF",        // overlong '/'
           "%ED%A0%80",     // UTF-16 surrogate
           "%F4%90%80%80",  // above U+10FFFF
           "%80abc",        // lone continuation byte
       }) {
    ExpectKeyRejectedOnEveryRoute(escaped);
  }
}

TEST_F(KeyAndValueLimitsTest, ControlCharacterKeysAreRejectedOnEveryRoute) {
  for (const std::string escaped : {"%01", "%7F", "%00", "a%0Ab", "tab%09", "%1F", "x%0D"}) {
    ExpectKeyRejectedOnEveryRoute(escaped);
  }
}

TEST_F(KeyAndValueLimitsTest, MalformedPercentEscapesAreBadRequest) {
  for (const std::string escaped : {"%zz", "abc%2", "%", "%G1", "a%%20", "%2"}) {
    const std::string path = "/v1/keys/" + escaped;
    SCOPED_TRACE("path " + path);
    EXPECT_TRUE(IsErrorReply(kv().put(path, "v"), 400, "bad_request")) << "PUT";
    EXPECT_TRUE(IsErrorReply(kv().get(path), 400, "bad_request")) << "GET";
    EXPECT_TRUE(IsErrorReply(kv().del(path), 400, "bad_request")) << "DELETE";
  }
}

TEST_F(KeyAndValueLimitsTest, HighestValidCodePointsAndPrintableAsciiAreAccepted) {
  const std::string prefix = current_test_name() + "/";
  for (const std::string& suffix : {
           std::string("\xF4\x8F\xBF\xBF"),  // U+10FFFF
           std::string("\xEF\xBF\xBD"),      // U+FFFD
           std::string("\xC2\x80"),          // U+0080 (a C1 control, but not below 0x20 or 0x7F)
           std::string(" !\"#$&'()*,;<=>?@[\\]^`{|}~"),
       }) {
    const std::string key = prefix + suffix;
    SCOPED_TRACE("key " + url_encode(key));
    EXPECT_TRUE(IsWriteReply(kv().put_key(key, "ok"), key, 1, true));
    EXPECT_TRUE(IsValueReply(kv().get_key(key), "ok", 1));
  }
}

// ---- percent-decoding of the path ------------------------------------------------------------

TEST_F(KeyAndValueLimitsTest, SlashesInThePathArePartOfTheKey) {
  const std::string name = current_test_name();
  const std::string key = name + "/a/b/c";
  EXPECT_TRUE(IsWriteReply(kv().put("/v1/keys/" + name + "/a/b/c", "deep"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get("/v1/keys/" + name + "/a/b/c"), "deep", 1));
  EXPECT_TRUE(IsValueReply(kv().get("/v1/keys/" + name + "%2Fa%2Fb%2Fc"), "deep", 1));
  EXPECT_TRUE(IsMissingKeyReply(kv().get("/v1/keys/" + name + "/a/b"), name + "/a/b"));
}

TEST_F(KeyAndValueLimitsTest, EncodedSlashIsTheSameKeyAsAPlainSlash) {
  const std::string name = current_test_name();
  const std::string key = name + "/a/b";
  EXPECT_TRUE(IsWriteReply(kv().put("/v1/keys/" + name + "/a%2Fb", "same"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get("/v1/keys/" + name + "/a/b"), "same", 1));
  EXPECT_TRUE(IsWriteReply(kv().put("/v1/keys/" + name + "/a/b", "again"), key, 2, false));
  EXPECT_TRUE(IsValueReply(kv().get("/v1/keys/" + name + "/a%2fb"), "again", 2));
}

TEST_F(KeyAndValueLimitsTest, PercentTwentyDecodesToASpace) {
  const std::string name = current_test_name();
  const std::string key = name + "/hello world";
  EXPECT_TRUE(
      IsWriteReply(kv().put("/v1/keys/" + name + "/hello%20world", "spaced"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "spaced", 1));
}

TEST_F(KeyAndValueLimitsTest, PlusInThePathIsALiteralPlus) {
  const std::string name = current_test_name();
  const std::string key = name + "/a+b";
  EXPECT_TRUE(IsWriteReply(kv().put("/v1/keys/" + name + "/a+b", "plus"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get("/v1/keys/" + name + "/a%2Bb"), "plus", 1));
  EXPECT_TRUE(IsMissingKeyReply(kv().get("/v1/keys/" + name + "/a%20b"), name + "/a b"));
}

TEST_F(KeyAndValueLimitsTest, LowercaseAndUppercaseHexEscapesDecodeAlike) {
  const std::string name = current_test_name();
  const std::string key = name + "/caf\xC3\xA9";
  EXPECT_TRUE(IsWriteReply(kv().put("/v1/keys/" + name + "/caf%c3%a9", "v"), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get("/v1/keys/" + name + "/caf%C3%A9"), "v", 1));
}

TEST_F(KeyAndValueLimitsTest, MultiByteUtf8KeysRoundTrip) {
  const std::string prefix = current_test_name() + "/";
  for (const std::string suffix : {"\xC3\xA9t\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC/\xE3\x82\xAD",
                                   "\xF0\x9F\x98\x80", "\xD0\x96"}) {
    const std::string key = prefix + suffix;
    SCOPED_TRACE("key " + url_encode(key));
    EXPECT_TRUE(IsWriteReply(kv().put_key(key, suffix), key, 1, true));
    EXPECT_TRUE(IsValueReply(kv().get_key(key), suffix, 1));
  }
}

// ---- binary-safe values ----------------------------------------------------------------------

TEST_F(KeyAndValueLimitsTest, EverySingleByteValueRoundTrips) {
  KvClient client = new_client(/*keep_alive=*/true);
  for (int byte = 0; byte < 256; ++byte) {
    const std::string key = test_key(numbered("byte-", byte));
    const std::string value(1, static_cast<char>(byte));
    ASSERT_TRUE(IsWriteReply(client.put_key(key, value), key, 1, true)) << "byte " << byte;
  }
  for (int byte = 0; byte < 256; ++byte) {
    const std::string key = test_key(numbered("byte-", byte));
    EXPECT_TRUE(IsValueReply(client.get_key(key), std::string(1, static_cast<char>(byte)), 1))
        << "byte " << byte;
  }
}

TEST_F(KeyAndValueLimitsTest, ValueHoldingEveryByteValueRoundTrips) {
  const std::string key = test_key("all-bytes");
  std::string value = all_byte_values() + all_byte_values();
  value += std::string("\0\0\r\n\r\n\0", 7);
  EXPECT_TRUE(IsWriteReply(kv().put_key(key, value), key, 1, true));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), value, 1));
  const Reply compat = kv().get("/get/" + url_encode(key));
  EXPECT_EQ(compat.status, 200) << compat.describe();
  EXPECT_EQ(compat.body, value);
}

}  // namespace
}  // namespace kvtest
