// Go's number parsing and error texts, %e, JSON strings, quoting and case swap, checked against
// what Go 1.19 prints.
#include "core/go_format.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/json_styles.hpp"

namespace kv {
namespace {

template <class T>
std::string error_of(const go_parsed<T>& parsed) {
  const auto* message = std::get_if<std::string>(&parsed);
  return message ? *message : "(parsed)";
}

TEST(GoInt32, ParsesSignedDecimalInRange) {
  EXPECT_EQ(std::get<std::int32_t>(parse_go_int32("999997")), 999997);
  EXPECT_EQ(std::get<std::int32_t>(parse_go_int32("+7")), 7);
  EXPECT_EQ(std::get<std::int32_t>(parse_go_int32("-2147483648")), INT32_MIN);
  EXPECT_EQ(std::get<std::int32_t>(parse_go_int32("2147483647")), INT32_MAX);
}

TEST(GoInt32, ErrorsInStrconvWords) {
  EXPECT_EQ(error_of(parse_go_int32("abc")), R"(strconv.ParseInt: parsing "abc": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_int32("")), R"(strconv.ParseInt: parsing "": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_int32(" 1")), R"(strconv.ParseInt: parsing " 1": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_int32("1_000")),
            R"(strconv.ParseInt: parsing "1_000": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_int32("2147483648")),
            R"(strconv.ParseInt: parsing "2147483648": value out of range)");
  EXPECT_EQ(error_of(parse_go_int32("99999999999999999999999")),
            R"(strconv.ParseInt: parsing "99999999999999999999999": value out of range)");
  EXPECT_EQ(error_of(parse_go_int32("a\"\n")),
            R"(strconv.ParseInt: parsing "a\"\n": invalid syntax)");
}

TEST(GoUint32, NoSignAndThirtyTwoBits) {
  EXPECT_EQ(std::get<std::uint32_t>(parse_go_uint32("4294967295")), 4294967295u);
  EXPECT_EQ(error_of(parse_go_uint32("+1")), R"(strconv.ParseUint: parsing "+1": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_uint32("4294967296")),
            R"(strconv.ParseUint: parsing "4294967296": value out of range)");
}

TEST(GoFloat32, ParsesGoSyntaxRoundedToFloat32) {
  EXPECT_EQ(std::get<float>(parse_go_float32("3.14159")), 3.14159f);
  EXPECT_EQ(std::get<float>(parse_go_float32("1e-7")), 1e-7f);
  EXPECT_EQ(std::get<float>(parse_go_float32("3.141590e+00")), 3.14159f);
  EXPECT_EQ(std::get<float>(parse_go_float32("0x1p-2")), 0.25f);
  EXPECT_EQ(std::get<float>(parse_go_float32(".5")), 0.5f);
  EXPECT_TRUE(std::isinf(std::get<float>(parse_go_float32("inf"))));
  EXPECT_TRUE(std::isnan(std::get<float>(parse_go_float32("NaN"))));
  EXPECT_EQ(error_of(parse_go_float32("1e39")),
            R"(strconv.ParseFloat: parsing "1e39": value out of range)");
  EXPECT_EQ(error_of(parse_go_float32("x")), R"(strconv.ParseFloat: parsing "x": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_float32("0x1")),
            R"(strconv.ParseFloat: parsing "0x1": invalid syntax)");
  EXPECT_EQ(error_of(parse_go_float32("1e")),
            R"(strconv.ParseFloat: parsing "1e": invalid syntax)");
}

TEST(GoFloatE, SixDecimalsAndATwoDigitExponent) {
  EXPECT_EQ(go_float_e(3.14159f), "3.141590e+00");
  EXPECT_EQ(go_float_e(1e-7f), "1.000000e-07");
  EXPECT_EQ(go_float_e(-0.0f), "-0.000000e+00");
  EXPECT_EQ(go_float_e(3e38f), "3.000000e+38");
  EXPECT_EQ(go_float_e(INFINITY), "+Inf");
  EXPECT_EQ(go_float_e(NAN), "NaN");
}

TEST(GoJson, EscapesHtmlCharactersAndLineSeparators) {
  std::string out;
  append_go_json_string(out, "<a&b>\"\\\n\x01\xe2\x80\xa8\xc3\xa9\xff");
  EXPECT_EQ(out, R"("\u003ca\u0026b\u003e\"\\\n\u0001\u2028é\ufffd")");
}

TEST(GoQuote, EscapesLikeStrconvQuote) {
  EXPECT_EQ(go_quote("plain"), R"("plain")");
  EXPECT_EQ(go_quote("a\"b\\\t\x7f"), R"("a\"b\\\t\x7f")");
  EXPECT_EQ(go_quote("\xc3\xa9\xff"), "\"\xc3\xa9\\xff\"");
}

TEST(GoSwapCase, SwapsEveryLetter) {
  EXPECT_EQ(go_swap_case("Hello, World 42"), "hELLO, wORLD 42");
  EXPECT_EQ(go_swap_case("\xc3\xa9\xc3\x89\xce\xa3"), "\xc3\x89\xc3\xa9\xcf\x83");  // éÉΣ -> Éé σ
  EXPECT_EQ(go_swap_case("\xc7\x85"), "\xc7\x86");  // title-case ǅ is not lower: ToLower
  EXPECT_EQ(go_swap_case("\xff"), "\xef\xbf\xbd");
}

TEST(GoFibonacci, MatchesTheRecursiveDefinitionAndWrapsLikeInt64) {
  const std::int64_t expected[] = {0, 1, 1, 2, 3, 5, 8, 13, 21, 34};
  for (std::uint64_t n = 0; n < 10; ++n) EXPECT_EQ(go_fibonacci(n), expected[n]) << n;
  EXPECT_EQ(go_fibonacci(92), 7540113804746346429);
  // fib(93) overflows int64: Go's sum wraps to fib(91) + fib(92) modulo 2^64.
  EXPECT_EQ(go_fibonacci(93), static_cast<std::int64_t>(12200160415121876738ull));
}

}  // namespace
}  // namespace kv
