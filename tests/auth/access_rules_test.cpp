// Token rules: prefix matching, write implying read, /metrics, the bearer header, and the
// lookup of a presented token by its SHA-256 digest.
#include "auth/access_rules.hpp"

#include <gtest/gtest.h>

namespace kv::auth {
namespace {

token_grant grant_of(std::string name, std::string_view token, std::vector<access_rule> rules) {
  token_grant grant;
  grant.name = std::move(name);
  grant.digest = sha256_of(token);
  grant.rules = std::move(rules);
  return grant;
}

TEST(AccessRules, PrefixMatchingIsBytewiseStartsWith) {
  const auto grant = grant_of("app", "t", {{"app/", access::read}});
  EXPECT_TRUE(grant.may_read("app/"));
  EXPECT_TRUE(grant.may_read("app/users/1"));
  EXPECT_FALSE(grant.may_read("app"));
  EXPECT_FALSE(grant.may_read("App/x"));
  EXPECT_FALSE(grant.may_read("other/app/x"));
}

TEST(AccessRules, WriteImpliesReadAndReadGivesNoWrite) {
  const auto grant = grant_of("app", "t", {{"w/", access::write}, {"r/", access::read}});
  EXPECT_TRUE(grant.may_read("w/1"));
  EXPECT_TRUE(grant.may_write("w/1"));
  EXPECT_TRUE(grant.may_read("r/1"));
  EXPECT_FALSE(grant.may_write("r/1"));
  EXPECT_FALSE(grant.may_write("x"));
}

TEST(AccessRules, EmptyPrefixReachesEveryKey) {
  const auto admin = grant_of("admin", "t", {{"", access::write}});
  EXPECT_TRUE(admin.may_write_everything());
  EXPECT_TRUE(admin.may_read_everything());
  EXPECT_TRUE(admin.may_read_metrics());
  const auto app = grant_of("app", "t", {{"a", access::write}});
  EXPECT_FALSE(app.may_read_everything());
  EXPECT_FALSE(app.may_write_everything());
}

TEST(AccessRules, MetricsNeedsARuleOnMetricsOrAPrefixOfIt) {
  EXPECT_TRUE(grant_of("m", "t", {{"metrics", access::read}}).may_read_metrics());
  EXPECT_TRUE(grant_of("m", "t", {{"met", access::read}}).may_read_metrics());
  EXPECT_FALSE(grant_of("m", "t", {{"metrics/", access::write}}).may_read_metrics());
  EXPECT_FALSE(grant_of("m", "t", {{"app/", access::write}}).may_read_metrics());
}

TEST(AccessRules, TokenSetFindsTheTokenWhoseDigestMatches) {
  const token_set tokens({grant_of("one", "secret-one", {{"a/", access::read}}),
                          grant_of("two", "secret-two", {{"b/", access::write}})});
  const auto* found = tokens.find("secret-two");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "two");
  EXPECT_EQ(tokens.find("secret-one")->name, "one");
  EXPECT_EQ(tokens.find("secret-thr"), nullptr);
  EXPECT_EQ(tokens.find(""), nullptr);
  EXPECT_EQ(tokens.find("secret-one "), nullptr);
}

TEST(AccessRules, BearerHeaderGivesTheToken) {
  EXPECT_EQ(bearer_token("Bearer abc.def"), "abc.def");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer "), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token(""), std::nullopt);
}

TEST(TokenHash, Sha256IsTheStandardDigest) {
  // FIPS 180-2's example: SHA-256("abc").
  EXPECT_EQ(hex_of(sha256_of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenHash, HexParsingAcceptsOnly64HexDigits) {
  const std::string hex = hex_of(sha256_of("x"));
  ASSERT_TRUE(digest_from_hex(hex));
  EXPECT_TRUE(same_digest(*digest_from_hex(hex), sha256_of("x")));
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(digest_from_hex(upper));
  EXPECT_FALSE(digest_from_hex(hex.substr(1)));
  EXPECT_FALSE(digest_from_hex(hex + "0"));
  // Appended rather than "g" + hex.substr(1), which GCC 12 warns about wrongly (-Wrestrict).
  std::string bad_digit = "g";
  bad_digit += hex.substr(1);
  EXPECT_FALSE(digest_from_hex(bad_digit));
}

TEST(TokenHash, SameDigestComparesEveryByte) {
  auto a = sha256_of("x");
  auto b = a;
  EXPECT_TRUE(same_digest(a, b));
  b.back() ^= 1;
  EXPECT_FALSE(same_digest(a, b));
}

}  // namespace
}  // namespace kv::auth
