// Key validation (contract section 1): length, UTF-8 and control characters.
#include "core/key.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(KeyTest, AcceptsPlainSlashedAndMultibyteKeys) {
  EXPECT_FALSE(key_problem("a", 250));
  EXPECT_FALSE(key_problem("a/b/c", 250));
  EXPECT_FALSE(key_problem("with space", 250));
  EXPECT_FALSE(key_problem("\xC3\xA9t\xC3\xA9", 250));         // été
  EXPECT_FALSE(key_problem("\xE6\x97\xA5\xE6\x9C\xAC", 250));  // 日本
  EXPECT_FALSE(key_problem("\xF0\x9F\x98\x80", 250));          // an emoji, 4 bytes
}

TEST(KeyTest, EnforcesLengthInBytes) {
  EXPECT_TRUE(key_problem("", 250));
  EXPECT_FALSE(key_problem(std::string(250, 'k'), 250));
  const auto problem = key_problem(std::string(251, 'k'), 250);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "key is 251 bytes, the limit is 250");
  EXPECT_TRUE(key_problem("\xC3\xA9\xC3\xA9", 3));  // two characters, four bytes
}

TEST(KeyTest, RejectsControlCharacters) {
  for (int c = 0; c < 0x20; ++c) {
    EXPECT_TRUE(key_problem(std::string("a") + static_cast<char>(c), 250)) << c;
  }
  EXPECT_TRUE(key_problem("a\x7F", 250));
  EXPECT_FALSE(key_problem("a~", 250));
}

TEST(KeyTest, RejectsMalformedUtf8) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated sequence
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xE6\x97"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF itself
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));
  EXPECT_TRUE(key_problem("a\xFF", 250));
}

}  // namespace
}  // namespace kv
