// Keys written as JSON strings: what must be escaped, and that the result parses back.
#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kv {
namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(as_json("plain/key.1"), R"("plain/key.1")");
  EXPECT_EQ(as_json(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(as_json(std::string_view("\n\x01\x7f", 3)), R"("\u000a\u0001\u007f")");
  EXPECT_EQ(as_json(""), R"("")");
}

TEST(JsonTextTest, KeepsUtf8AsItIsAndParsesBackToTheSameBytes) {
  for (const std::string text : {"grüße/日本", R"(q"uo\te)", "tab\there", "\xf0\x9f\x94\x91"}) {
    EXPECT_EQ(nlohmann::json::parse(as_json(text)).get<std::string>(), text);
  }
  EXPECT_EQ(as_json("grüße"), "\"grüße\"");
}

TEST(JsonTextTest, AppendsToWhatIsAlreadyThere) {
  std::string out = "[";
  append_json_string(out, "a");
  out.push_back(',');
  append_json_string(out, "b");
  EXPECT_EQ(out, R"(["a","b")");
}

}  // namespace
}  // namespace kv
