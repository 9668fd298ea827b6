// Py-JSON strings and Python's str() of decoded JSON, checked against what CPython 3 prints.
#include "core/python_format.hpp"

#include <gtest/gtest.h>

#include "core/json_styles.hpp"

namespace kv {
namespace {

std::string py_json(std::string_view text) {
  std::string out;
  append_py_json_string(out, text);
  return out;
}

TEST(PythonJson, EscapesEverythingOutsidePrintableAscii) {
  EXPECT_EQ(py_json("value1"), R"("value1")");
  EXPECT_EQ(py_json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(py_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(py_json(std::string("\x01\x7f", 2)), R"("\u0001\u007f")");
  EXPECT_EQ(py_json("caf\xc3\xa9"), R"("caf\u00e9")");
  EXPECT_EQ(py_json("\xe2\x82\xac"), R"("\u20ac")");
  EXPECT_EQ(py_json("\xf0\x9f\x98\x80"), R"("\ud83d\ude00")");  // a surrogate pair
  EXPECT_EQ(py_json("\xff"), R"("\ufffd")");
}

TEST(PythonStr, ScalarsAsPythonPrintsThem) {
  using json = nlohmann::ordered_json;
  EXPECT_EQ(python_str(json("text")), "text");
  EXPECT_EQ(python_str(json(5)), "5");
  EXPECT_EQ(python_str(json(-7)), "-7");
  EXPECT_EQ(python_str(json(true)), "True");
  EXPECT_EQ(python_str(json(false)), "False");
  EXPECT_EQ(python_str(json(nullptr)), "None");
  EXPECT_EQ(python_str(json::parse("6.5")), "6.5");
  EXPECT_EQ(python_str(json::parse("1.0")), "1.0");
  EXPECT_EQ(python_str(json::parse("1e2")), "100.0");
}

TEST(PythonStr, FloatReprSwitchesToExponentsWherePythonDoes) {
  EXPECT_EQ(python_float_text(1e16), "1e+16");
  EXPECT_EQ(python_float_text(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_text(0.0001), "0.0001");
  EXPECT_EQ(python_float_text(0.00001), "1e-05");
  EXPECT_EQ(python_float_text(1.5e-7), "1.5e-07");
  EXPECT_EQ(python_float_text(123.456), "123.456");
  EXPECT_EQ(python_float_text(-0.0), "-0.0");
  EXPECT_EQ(python_float_text(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(PythonStr, ListsAndDictsInTheirReprWithInsertionOrder) {
  const auto value =
      nlohmann::ordered_json::parse(R"({"z": [1, "it's", null], "a": {"b": false}})");
  EXPECT_EQ(python_str(value), R"({'z': [1, "it's", None], 'a': {'b': False}})");
  EXPECT_EQ(python_str(nlohmann::ordered_json::parse(R"(["a\nb", "q'\""])")),
            R"(['a\nb', 'q\'"'])");
}

}  // namespace
}  // namespace kv
