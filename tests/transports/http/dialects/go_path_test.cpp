// Go's path cleaning, path escaping and escape errors, which the bernata dialect answers with.
#include "transports/http/dialects/go_path.hpp"

#include <gtest/gtest.h>

namespace kv::http::dialects {
namespace {

TEST(GoPathTest, CleaningRemovesDoubleSlashesDotsAndDotDotsButKeepsATrailingSlash) {
  EXPECT_EQ(clean_go_path("/v1/keys/a"), "/v1/keys/a");
  EXPECT_EQ(clean_go_path("/v1/keys/"), "/v1/keys/");
  EXPECT_EQ(clean_go_path("/v1/keys//a"), "/v1/keys/a");
  EXPECT_EQ(clean_go_path("/v1/keys/./a"), "/v1/keys/a");
  EXPECT_EQ(clean_go_path("/v1/keys/a/../b"), "/v1/keys/b");
  EXPECT_EQ(clean_go_path("/v1/keys/a/.."), "/v1/keys");
  EXPECT_EQ(clean_go_path("/v1/keys/a//"), "/v1/keys/a/");
  EXPECT_EQ(clean_go_path("/../.."), "/");
}

TEST(GoPathTest, EscapingKeepsWhatNetUrlKeeps) {
  EXPECT_EQ(escape_go_path("/v1/keys/a b/%é"), "/v1/keys/a%20b/%25%C3%A9");
  EXPECT_EQ(escape_go_path("/-_.~$&+,:;=@"), "/-_.~$&+,:;=@");
  EXPECT_EQ(escape_go_path("/?#\r"), "/%3F%23%0D");
}

TEST(GoPathTest, EscapeErrorQuotesTheFirstBadEscape) {
  EXPECT_EQ(go_escape_error("a%zz"), "invalid URL escape \"%zz\"");
  EXPECT_EQ(go_escape_error("ok%41%4"), "invalid URL escape \"%4\"");
  EXPECT_EQ(go_escape_error("%"), "invalid URL escape \"%\"");
}

}  // namespace
}  // namespace kv::http::dialects
