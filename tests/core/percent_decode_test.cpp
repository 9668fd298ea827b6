// Percent-decoding of paths and query values.
#include "core/percent_decode.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(PercentDecodeTest, DecodesEscapesInEitherCase) {
  EXPECT_EQ(percent_decode("a%2Fb"), "a/b");
  EXPECT_EQ(percent_decode("a%2fb"), "a/b");
  EXPECT_EQ(percent_decode("%20x%20"), " x ");
  EXPECT_EQ(percent_decode("%C3%A9"), "\xC3\xA9");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("plain"), "plain");
  EXPECT_EQ(percent_decode(""), "");
}

TEST(PercentDecodeTest, PlusIsLiteralInPathsAndSpaceInQueries) {
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", plus_means::space), "a b");
  EXPECT_EQ(percent_decode("a%2Bb", plus_means::space), "a+b");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("a%2"));
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_FALSE(percent_decode("%g0"));
  EXPECT_FALSE(percent_decode("x%"));
}

}  // namespace
}  // namespace kv
