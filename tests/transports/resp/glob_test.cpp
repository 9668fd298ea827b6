// Redis's glob patterns and the listing each one needs.
#include "transports/resp/glob.hpp"

#include <gtest/gtest.h>

namespace kv::resp {
namespace {

TEST(GlobTest, MatchesAsRedisDoes) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("user:*", "user:1"));
  EXPECT_FALSE(glob_match("user:*", "users"));
  EXPECT_TRUE(glob_match("h?llo", "hello"));
  EXPECT_FALSE(glob_match("h?llo", "hllo"));
  EXPECT_TRUE(glob_match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob_match("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(glob_match("a\\*b", "axb"));
  EXPECT_TRUE(glob_match("*.json", "a/b.json"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("ab*ba", "aba"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
}

TEST(GlobTest, PlansTheListing) {
  auto plan = plan_glob("user:*");
  EXPECT_EQ(plan.prefix, "user:");
  EXPECT_FALSE(plan.needs_match);
  plan = plan_glob("user:*.json");
  EXPECT_EQ(plan.prefix, "user:");
  EXPECT_EQ(plan.suffix, ".json");
  EXPECT_TRUE(plan.needs_match);
  plan = plan_glob("a?c*");
  EXPECT_EQ(plan.prefix, "a");
  EXPECT_EQ(plan.suffix, "");
  EXPECT_TRUE(plan.needs_match);
  plan = plan_glob("exact");
  EXPECT_TRUE(plan.exact);
  EXPECT_TRUE(plan.needs_match);
  EXPECT_EQ(plan_glob("*").prefix, "");
  EXPECT_FALSE(plan_glob("*").needs_match);
}

}  // namespace
}  // namespace kv::resp
