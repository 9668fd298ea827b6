// Typed values' stored text: every type's parsing, the edges of the number types, shortest
// floats that read back equal, sorted sets and hashes, and what is refused.
#include "core/typed_text.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace kv {
namespace {

TEST(ValueTypeTest, NamesAndBytesRoundTrip) {
  for (std::uint8_t byte = 0; byte <= max_value_type; ++byte) {
    const auto type = type_from_byte(byte);
    ASSERT_TRUE(type);
    EXPECT_EQ(type_from_name(type_name(*type)), type);
  }
  EXPECT_EQ(type_from_byte(max_value_type + 1), std::nullopt);
  EXPECT_EQ(type_from_name("integer"), std::nullopt);
  EXPECT_EQ(type_name(value_type::int64), "int");
}

TEST(TypedTextTest, BytesAreKeptAsTheyAre) {
  const std::string any("\0\xff not json", 11);
  EXPECT_EQ(canonical_text(value_type::bytes, any), any);
}

TEST(TypedTextTest, IntegersAtTheirEdges) {
  EXPECT_EQ(canonical_text(value_type::int64, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(canonical_text(value_type::int64, "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(canonical_text(value_type::int64, "007"), "7");
  EXPECT_EQ(canonical_text(value_type::int64, "-0"), "0");
  EXPECT_EQ(canonical_text(value_type::uint64, "18446744073709551615"), "18446744073709551615");
  EXPECT_THROW(canonical_text(value_type::int64, "9223372036854775808"), bad_typed_text);
  EXPECT_THROW(canonical_text(value_type::int64, "-9223372036854775809"), bad_typed_text);
  EXPECT_THROW(canonical_text(value_type::uint64, "18446744073709551616"), bad_typed_text);
  EXPECT_THROW(canonical_text(value_type::uint64, "-1"), bad_typed_text);
  for (const char* bad : {"", "+1", " 1", "1 ", "1\n", "1.0", "0x10", "one", "-"}) {
    EXPECT_THROW(canonical_text(value_type::int64, bad), bad_typed_text) << bad;
  }
}

TEST(TypedTextTest, FloatsPrintShortestAndReadBackEqual) {
  EXPECT_EQ(canonical_text(value_type::float64, "2.5"), "2.5");
  EXPECT_EQ(canonical_text(value_type::float64, "-1e3"), "-1000");
  EXPECT_EQ(canonical_text(value_type::float64, "2.50"), "2.5");
  // 0.1 + 0.2 needs 17 significant digits to read back as the same double.
  EXPECT_EQ(float_text(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(float_text(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  std::mt19937_64 random(7);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value)) continue;
    const std::string text = canonical_text(value_type::float64, float_text(value));
    EXPECT_EQ(parse_float64(text, "text"), value) << text;
  }
}

TEST(TypedTextTest, FloatsRefuseNanInfinityAndOverflow) {
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e400", "", "1,5", "0x1p3"}) {
    EXPECT_THROW(canonical_text(value_type::float64, bad), bad_typed_text) << bad;
  }
}

TEST(TypedTextTest, SetsCollapseDuplicatesAndSortBytewise) {
  EXPECT_EQ(canonical_text(value_type::set, R"(["b","a","b","\u00e9","Z"])"),
            "[\"Z\",\"a\",\"b\",\"\xC3\xA9\"]");
  EXPECT_EQ(canonical_text(value_type::set, "[]"), "[]");
  EXPECT_EQ(canonical_text(value_type::set, " [ \"\xE2\x82\xAC\" ] "), "[\"\xE2\x82\xAC\"]");
  for (const char* bad : {R"(["a",1])", R"({"a":"b"})", "\"a\"", "[", R"([null])", ""}) {
    EXPECT_THROW(canonical_text(value_type::set, bad), bad_typed_text) << bad;
  }
  EXPECT_THROW(canonical_text(value_type::set, "[\"\xff\"]"), bad_typed_text);  // not UTF-8
}

TEST(TypedTextTest, HashesSortFieldsAndHoldOnlyStrings) {
  EXPECT_EQ(canonical_text(value_type::hash, R"({"b":"2","a":"1"})"), R"({"a":"1","b":"2"})");
  EXPECT_EQ(canonical_text(value_type::hash, "{}"), "{}");
  for (const char* bad : {R"({"a":1})", R"({"a":null})", R"({"a":["x"]})", "[]", "{"}) {
    EXPECT_THROW(canonical_text(value_type::hash, bad), bad_typed_text) << bad;
  }
}

TEST(TypedTextTest, JsonIsStoredCompact) {
  EXPECT_EQ(canonical_text(value_type::json, R"( { "b" : [1, 2.5, true, null], "a": "x" } )"),
            R"({"a":"x","b":[1,2.5,true,null]})");
  EXPECT_EQ(canonical_text(value_type::json, "42"), "42");
  EXPECT_THROW(canonical_text(value_type::json, "{"), bad_typed_text);
  EXPECT_THROW(canonical_text(value_type::json, ""), bad_typed_text);
}

TEST(TypedTextTest, SetAndHashTextOfEmptyContainers) {
  EXPECT_EQ(set_text({}), "[]");
  EXPECT_EQ(hash_text({}), "{}");
}

}  // namespace
}  // namespace kv
