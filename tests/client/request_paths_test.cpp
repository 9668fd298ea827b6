// Unit tests of the kvnode client's pure helpers: base-URL parsing, key paths with their
// percent-encoding, list queries and watch targets.
#include "client/request_paths.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kv::client {
namespace {

void ExpectEndpoint(const std::string& url, const std::string& scheme, const std::string& host,
                    int port, const std::string& base_path) {
  SCOPED_TRACE("url " + url);
  const endpoint node = parse_url(url);
  EXPECT_EQ(node.scheme, scheme);
  EXPECT_EQ(node.host, host);
  EXPECT_EQ(node.port, port);
  EXPECT_EQ(node.base_path, base_path);
}

TEST(ParseUrlTest, TakesSchemeHostAndPort) {
  ExpectEndpoint("http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "");
  ExpectEndpoint("https://kv.example.com:8443", "https", "kv.example.com", 8443, "");
  ExpectEndpoint("HTTP://localhost:1", "http", "localhost", 1, "");
}

TEST(ParseUrlTest, DefaultsTheSchemeToHttpAndThePortByScheme) {
  ExpectEndpoint("localhost:9000", "http", "localhost", 9000, "");
  ExpectEndpoint("http://kv.example.com", "http", "kv.example.com", 80, "");
  ExpectEndpoint("https://kv.example.com", "https", "kv.example.com", 443, "");
}

TEST(ParseUrlTest, KeepsABasePathWithoutItsFinalSlashes) {
  ExpectEndpoint("http://127.0.0.1:8080/", "http", "127.0.0.1", 8080, "");
  ExpectEndpoint("http://proxy/kv", "http", "proxy", 80, "/kv");
  ExpectEndpoint("http://proxy:81/a/b//", "http", "proxy", 81, "/a/b");
}

TEST(ParseUrlTest, AcceptsBracketedIpv6Literals) {
  ExpectEndpoint("http://[::1]:8080", "http", "::1", 8080, "");
  ExpectEndpoint("http://[fe80::1]/x", "http", "fe80::1", 80, "/x");
}

TEST(ParseUrlTest, RejectsWhatItCannotUse) {
  for (const std::string url :
       {"", "ftp://host", "http://", "http://:8080", "http://host:", "http://host:0",
        "http://host:65536", "http://host:80x", "http://host:-1", "http://user@host",
        "http://host/?a=b", "http://host#top", "http://::1:8080", "http://[::1", "http://[::1]x",
        "http://ho st", "http://host\n", "http://h\xC3\xA9st"}) {
    EXPECT_THROW(parse_url(url), std::invalid_argument) << "url " << url;
  }
}

TEST(ParseUrlTest, ErrorNamesTheUrlAndTheProblem) {
  try {
    parse_url("http://host:99999");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "invalid URL `http://host:99999`: the port must be a number from 1 to 65535");
  }
}

TEST(KeyTargetTest, LeavesUnreservedCharactersAndSlashesAlone) {
  EXPECT_EQ(key_target("abcXYZ019-._~"), "/v1/keys/abcXYZ019-._~");
  EXPECT_EQ(key_target("a/b/c"), "/v1/keys/a/b/c");
}

TEST(KeyTargetTest, EscapesEverythingElseInUpperCaseHex) {
  EXPECT_EQ(key_target("a b"), "/v1/keys/a%20b");
  EXPECT_EQ(key_target("100%"), "/v1/keys/100%25");
  EXPECT_EQ(key_target("a?b#c&d=e+f"), "/v1/keys/a%3Fb%23c%26d%3De%2Bf");
  EXPECT_EQ(key_target("h\xC3\xA9"), "/v1/keys/h%C3%A9");
  EXPECT_EQ(key_target(std::string("\x00\x7F\xFF", 3)), "/v1/keys/%00%7F%FF");
}

TEST(KeyTargetTest, AddsOnlyThePresentParametersEscaped) {
  EXPECT_EQ(key_target("a/b", {{"op", "incr"}, {"if_version", std::nullopt}, {"type", "uint"}}),
            "/v1/keys/a/b?op=incr&type=uint");
  // An empty field name is still a field.
  EXPECT_EQ(key_target("h", {{"field", ""}}), "/v1/keys/h?field=");
  EXPECT_EQ(key_target("s", {{"member", "a+b&c"}}), "/v1/keys/s?member=a%2Bb%26c");
}

TEST(ListTargetTest, AlwaysSendsTheLimitAndOnlyTheGivenFilters) {
  EXPECT_EQ(list_target({}), "/v1/keys?limit=1000");
  EXPECT_EQ(list_target({"users/", "", std::nullopt, 10}), "/v1/keys?prefix=users%2F&limit=10");
  EXPECT_EQ(list_target({"", ".json", std::nullopt, 1000}), "/v1/keys?suffix=.json&limit=1000");
  EXPECT_EQ(list_target({"p", "s", "p7", 5}), "/v1/keys?prefix=p&suffix=s&after=p7&limit=5");
}

TEST(ListTargetTest, EscapesPlusAmpersandAndEqualsInValues) {
  EXPECT_EQ(list_target({"a+b&c=d", "", std::nullopt, 1}), "/v1/keys?prefix=a%2Bb%26c%3Dd&limit=1");
  EXPECT_EQ(list_target({"", "", std::string("x y"), 1}), "/v1/keys?after=x%20y&limit=1");
}

TEST(ListTargetTest, AnEmptyCursorIsStillSent) {
  EXPECT_EQ(list_target({"", "", std::string(), 1}), "/v1/keys?after=&limit=1");
}

TEST(WatchTargetTest, AddsTheEscapedPrefixOnlyWhenThereIsOne) {
  EXPECT_EQ(watch_target(""), "/v1/watch");
  EXPECT_EQ(watch_target("user:"), "/v1/watch?prefix=user%3A");
  EXPECT_EQ(watch_target("a b/c+d"), "/v1/watch?prefix=a%20b%2Fc%2Bd");
}

}  // namespace
}  // namespace kv::client
