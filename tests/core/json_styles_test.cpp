// The older services' JSON encodings byte for byte: Go's encoding/json, Python's json.dumps
// with and without ensure_ascii, and the number forms of Go and Python.
#include "core/json_styles.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace kv {
namespace {

std::string go_string(std::string_view text) {
  std::string out;
  append_go_json_string(out, text);
  return out;
}

std::string py_string(std::string_view text) {
  std::string out;
  append_py_json_string(out, text);
  return out;
}

std::string compact_string(std::string_view text) {
  std::string out;
  append_compact_json_string(out, text);
  return out;
}

TEST(GoJsonTest, EscapesHtmlCharactersAndLineSeparators) {
  EXPECT_EQ(go_string("<&>"), R"("\u003c\u0026\u003e")");
  EXPECT_EQ(go_string("a\xE2\x80\xA8"
                      "b\xE2\x80\xA9"),
            R"("a\u2028b\u2029")");
}

TEST(GoJsonTest, ShortEscapesOnlyForNewlineReturnAndTab) {
  EXPECT_EQ(go_string("\"\\\n\r\t"), R"("\"\\\n\r\t")");
  // Go 1.19 has no \b or \f: they are \u00xx like every other control character.
  EXPECT_EQ(go_string(std::string("\b\f\x01\x1f", 4)), R"("\u0008\u000c\u0001\u001f")");
  EXPECT_EQ(go_string("\x7f"), "\"\x7f\"");
}

TEST(GoJsonTest, NonAsciiIsRawUtf8) {
  EXPECT_EQ(go_string("\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80"),
            "\"\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\"");
  // A real U+FFFD is valid text and stays raw.
  EXPECT_EQ(go_string("\xEF\xBF\xBD"), "\"\xEF\xBF\xBD\"");
}

TEST(GoJsonTest, InvalidUtf8BecomesOneReplacementEscapePerByte) {
  EXPECT_EQ(go_string("a\xFF"
                      "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(go_string("\xC3"), R"("\ufffd")");                                // truncated
  EXPECT_EQ(go_string("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(go_string("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(go_string("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST(GoJsonTest, FloatsAsGoPrintsAFloat64) {
  EXPECT_EQ(go_float_text(1), "1");
  EXPECT_EQ(go_float_text(2.5), "2.5");
  EXPECT_EQ(go_float_text(-0.0), "-0");
  EXPECT_EQ(go_float_text(0), "0");
  EXPECT_EQ(go_float_text(1e-7), "1e-7");
  EXPECT_EQ(go_float_text(1e-6), "0.000001");
  EXPECT_EQ(go_float_text(1.5e-10), "1.5e-10");
  EXPECT_EQ(go_float_text(1000), "1000");
  EXPECT_EQ(go_float_text(1e20), "100000000000000000000");
  EXPECT_EQ(go_float_text(1e21), "1e+21");
  EXPECT_EQ(go_float_text(12345678901234567890.0), "12345678901234567000");
  EXPECT_EQ(go_float_text(-123.456), "-123.456");
}

TEST(GoJsonTest, DocumentsSortKeysAndPrintEveryNumberAsAFloat64) {
  const auto document = nlohmann::json::parse(
      R"({"b":[1,2.50,true,null],"a":{"y":"<","x":12345678901234567890},"c":1E3,"d":1e-7})");
  EXPECT_EQ(go_json_text(document),
            R"({"a":{"x":12345678901234567000,"y":"\u003c"},"b":[1,2.5,true,null],"c":1000,)"
            R"("d":1e-7})");
}

TEST(PyJsonTest, EscapesEverythingOutsidePrintableAscii) {
  EXPECT_EQ(py_string("\"\\\n\r\t\b\f"), R"("\"\\\n\r\t\b\f")");
  EXPECT_EQ(py_string(std::string("\x01\x7f", 2)), R"("\u0001\u007f")");
  EXPECT_EQ(py_string("<&> ~"), R"("<&> ~")");
  EXPECT_EQ(py_string("\xC3\xA9\xE6\x97\xA5"), R"("\u00e9\u65e5")");
  EXPECT_EQ(py_string("\xE2\x80\xA8"), R"("\u2028")");
}

TEST(PyJsonTest, AboveTheBasicPlaneAsASurrogatePair) {
  EXPECT_EQ(py_string("\xF0\x9F\x98\x80"), R"("\ud83d\ude00")");
  EXPECT_EQ(py_string("\xF4\x8F\xBF\xBF"), R"("\udbff\udfff")");
  EXPECT_EQ(py_string("\xF0\x90\x80\x80"), R"("\ud800\udc00")");
}

TEST(PyJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(py_string("a\xFF"), R"("a\ufffd")");
}

TEST(PyJsonTest, DocumentsKeepTheirOrderWithSpacedSeparators) {
  const auto document =
      nlohmann::ordered_json::parse(R"({"value":"v\u00e9","key":[1,2.0,1e-05,true,null],"n":{}})");
  EXPECT_EQ(py_json_text(document),
            R"({"value": "v\u00e9", "key": [1, 2.0, 1e-05, true, null], "n": {}})");
}

TEST(PyJsonTest, FloatsAsPythonsRepr) {
  EXPECT_EQ(python_float_text(6.5), "6.5");
  EXPECT_EQ(python_float_text(5), "5.0");
  EXPECT_EQ(python_float_text(1000), "1000.0");
  EXPECT_EQ(python_float_text(0), "0.0");
  EXPECT_EQ(python_float_text(-0.0), "-0.0");
  EXPECT_EQ(python_float_text(0.0001), "0.0001");
  EXPECT_EQ(python_float_text(0.00001), "1e-05");
  EXPECT_EQ(python_float_text(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_text(1e16), "1e+16");
  EXPECT_EQ(python_float_text(1.5e300), "1.5e+300");
  EXPECT_EQ(python_float_text(0.1), "0.1");
}

TEST(CompactJsonTest, NonAsciiRawControlCharactersEscaped) {
  EXPECT_EQ(compact_string("\xC3\xA9<&>\xF0\x9F\x98\x80"), "\"\xC3\xA9<&>\xF0\x9F\x98\x80\"");
  EXPECT_EQ(compact_string(std::string("\"\\\n\b\x01\x7f", 6)), "\"\\\"\\\\\\n\\b\\u0001\x7f\"");
  EXPECT_EQ(compact_string("\xFF"), "\"\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace kv
