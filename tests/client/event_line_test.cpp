// Unit tests of the watch line format: PUT and DELETE lines, and the escaping that keeps any
// key or value, binary or multi-line, on one line that reads back unambiguously.
#include "client/event_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kv::client {
namespace {

watch_event put(const std::string& key, const std::string& value) {
  return {true, key, value, 0, 1, 1};
}

TEST(EventLineTest, PutPrintsKeyAndValue) {
  EXPECT_EQ(event_line(put("user:1", "ann")), "PUT user:1 ann");
}

TEST(EventLineTest, DeletePrintsTheKeyOnly) {
  EXPECT_EQ(event_line({false, "user:1", "", 0, 2, 2}), "DELETE user:1");
}

TEST(EventLineTest, ExpiryPrintsTheKeyOnly) {
  EXPECT_EQ(event_line({false, "session:1", "", 0, 3, 3, true}), "EXPIRE session:1");
}

TEST(EventLineTest, AnEmptyValueLeavesTheSeparatingSpace) {
  EXPECT_EQ(event_line(put("k", "")), "PUT k ");
}

TEST(EventLineTest, SpacesInTheKeyAreEscapedSoTheValueStartsAfterTheSecondSpace) {
  EXPECT_EQ(event_line(put("with space", "two words")), "PUT with\\x20space two words");
}

TEST(EventLineTest, NewlinesTabsAndBackslashesAreEscaped) {
  EXPECT_EQ(escape_for_line("a\nb\r\nc\td\\e", false), "a\\nb\\r\\nc\\td\\\\e");
  EXPECT_EQ(event_line(put("k", "line one\nline two\n")), "PUT k line one\\nline two\\n");
}

TEST(EventLineTest, OtherControlBytesAndDelAreHexEscaped) {
  EXPECT_EQ(escape_for_line(std::string("\0\x01\x1b[2J\x7f", 7), false), "\\x00\\x01\\x1b[2J\\x7f");
}

TEST(EventLineTest, ValidUtf8PassesThrough) {
  EXPECT_EQ(escape_for_line("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80", false),
            "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80");
}

TEST(EventLineTest, BytesOutsideValidUtf8AreHexEscapedOneByOne) {
  // A lone continuation byte, a truncated sequence, an overlong form and a surrogate.
  EXPECT_EQ(escape_for_line("\x80", false), "\\x80");
  EXPECT_EQ(escape_for_line("a\xE6\x97", false), "a\\xe6\\x97");
  EXPECT_EQ(escape_for_line("\xC0\xAF", false), "\\xc0\\xaf");
  EXPECT_EQ(escape_for_line("\xED\xA0\x80", false), "\\xed\\xa0\\x80");
  // A bad byte does not swallow the valid character after it.
  EXPECT_EQ(escape_for_line("\xFF\xC3\xA9", false), "\\xff\xC3\xA9");
}

TEST(EventLineTest, C1ControlsAreEscapedThoughValidUtf8) {
  EXPECT_EQ(escape_for_line("\xC2\x85\xC2\x9B", false), "\\xc2\\x85\\xc2\\x9b");
  EXPECT_EQ(escape_for_line("\xC2\xA0", false), "\xC2\xA0") << "U+00A0 is printable";
}

TEST(EventLineTest, EveryByteValueGivesOneLineOfPrintableText) {
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) all_bytes.push_back(static_cast<char>(byte));
  const std::string line = event_line(put("binary", all_bytes));
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 && byte != 0x7F && byte < 0x80) << "byte " << int(byte);
  }
}

}  // namespace
}  // namespace kv::client
