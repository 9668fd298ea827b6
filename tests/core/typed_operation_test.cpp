// The atomic operations on stored text: incr across the edges of int, uint and float, sets and
// hashes growing and emptying, new keys, and every refusal.
#include "core/typed_operation.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kv {
namespace {

operation_result apply(operation_kind kind, const std::string& body, bool exists,
                       value_type type = value_type::bytes, const std::string& text = "",
                       std::optional<value_type> requested = std::nullopt) {
  return apply_operation(parse_operation(kind, body, requested), exists, type, text);
}

operation_result incr(const std::string& amount, value_type type, const std::string& text) {
  return apply(operation_kind::incr, amount, true, type, text);
}

TEST(TypedOperationTest, OperationNames) {
  EXPECT_EQ(operation_from_name("incr"), operation_kind::incr);
  EXPECT_EQ(operation_from_name("hdel"), operation_kind::hdel);
  EXPECT_EQ(operation_from_name("INCR"), std::nullopt);
}

TEST(TypedOperationTest, IncrCreatesAMissingKeyOfTheRequestedType) {
  const auto plain = apply(operation_kind::incr, "", false);
  EXPECT_EQ(plain.status, operation_status::ok);
  EXPECT_EQ(plain.type, value_type::int64);
  EXPECT_EQ(plain.value, "1");
  const auto as_float =
      apply(operation_kind::incr, "0.5", false, value_type::bytes, "", value_type::float64);
  EXPECT_EQ(as_float.type, value_type::float64);
  EXPECT_EQ(as_float.value, "0.5");
  const auto as_uint =
      apply(operation_kind::incr, "-1", false, value_type::bytes, "", value_type::uint64);
  EXPECT_EQ(as_uint.status, operation_status::out_of_range);
}

TEST(TypedOperationTest, IncrOfIntStopsAtItsRange) {
  EXPECT_EQ(incr("-5", value_type::int64, "3").value, "-2");
  EXPECT_EQ(incr("1", value_type::int64, "9223372036854775806").value, "9223372036854775807");
  EXPECT_EQ(incr("1", value_type::int64, "9223372036854775807").status,
            operation_status::out_of_range);
  EXPECT_EQ(incr("-1", value_type::int64, "-9223372036854775808").status,
            operation_status::out_of_range);
  // An amount past int64 is fine while the result fits.
  EXPECT_EQ(incr("18446744073709551615", value_type::int64, "-9223372036854775808").value,
            "9223372036854775807");
  EXPECT_EQ(incr("2.5", value_type::int64, "1").status, operation_status::bad_amount);
}

TEST(TypedOperationTest, IncrOfUintStopsAtZeroAndItsMaximum) {
  EXPECT_EQ(incr("-3", value_type::uint64, "3").value, "0");
  EXPECT_EQ(incr("-4", value_type::uint64, "3").status, operation_status::out_of_range);
  EXPECT_EQ(incr("1", value_type::uint64, "18446744073709551614").value, "18446744073709551615");
  EXPECT_EQ(incr("1", value_type::uint64, "18446744073709551615").status,
            operation_status::out_of_range);
}

TEST(TypedOperationTest, IncrOfFloatStaysFinite) {
  EXPECT_EQ(incr("0.2", value_type::float64, "0.1").value, "0.30000000000000004");
  EXPECT_EQ(incr("-1e3", value_type::float64, "2.5").value, "-997.5");
  EXPECT_EQ(incr("1.7976931348623157e308", value_type::float64, "1.7976931348623157e308").status,
            operation_status::out_of_range);
}

TEST(TypedOperationTest, IncrRefusesBadAmountsBeforeReachingTheKey) {
  for (const char* bad : {"x", "nan", "inf", "1e999", "1 "}) {
    EXPECT_THROW(parse_operation(operation_kind::incr, bad, std::nullopt), bad_typed_text) << bad;
  }
  EXPECT_THROW(parse_operation(operation_kind::incr, "1", value_type::set), bad_typed_text);
}

TEST(TypedOperationTest, OperationsOnAnotherTypeAreWrongType) {
  const auto on_bytes = incr("1", value_type::bytes, "12");
  EXPECT_EQ(on_bytes.status, operation_status::wrong_type);
  EXPECT_EQ(on_bytes.type, value_type::bytes);
  EXPECT_EQ(on_bytes.message, "holds a value of type bytes, not int, uint or float");
  EXPECT_EQ(apply(operation_kind::sadd, R"(["a"])", true, value_type::hash, "{}").status,
            operation_status::wrong_type);
  EXPECT_EQ(apply(operation_kind::hset, R"({"a":"b"})", true, value_type::set, "[]").status,
            operation_status::wrong_type);
  // ?type= names the type a new key gets; on a key of another number type it is a mismatch.
  const auto mismatch =
      apply(operation_kind::incr, "1", true, value_type::int64, "1", value_type::float64);
  EXPECT_EQ(mismatch.status, operation_status::wrong_type);
  EXPECT_EQ(mismatch.message, "holds a value of type int, not float");
}

TEST(TypedOperationTest, SetsAddAndRemoveUtf8MembersAndMayBecomeEmpty) {
  const auto created = apply(operation_kind::sadd, "[\"b\",\"\xC3\xA9\",\"a\",\"b\"]", false);
  EXPECT_EQ(created.type, value_type::set);
  EXPECT_EQ(created.value, "[\"a\",\"b\",\"\xC3\xA9\"]");
  const auto removed =
      apply(operation_kind::srem, R"(["a","b","c"])", true, value_type::set, created.value);
  EXPECT_EQ(removed.value, "[\"\xC3\xA9\"]");
  const auto emptied =
      apply(operation_kind::srem, "[\"\xC3\xA9\"]", true, value_type::set, removed.value);
  EXPECT_EQ(emptied.value, "[]");
  EXPECT_EQ(apply(operation_kind::srem, R"(["x"])", false).value, "[]");
  EXPECT_THROW(parse_operation(operation_kind::sadd, R"(["a",2])", std::nullopt), bad_typed_text);
}

TEST(TypedOperationTest, HashesSetAndDeleteFieldsAndMayBecomeEmpty) {
  const auto created = apply(operation_kind::hset, R"({"b":"2","a":"1"})", false);
  EXPECT_EQ(created.type, value_type::hash);
  EXPECT_EQ(created.value, R"({"a":"1","b":"2"})");
  const auto changed =
      apply(operation_kind::hset, R"({"a":"one","c":""})", true, value_type::hash, created.value);
  EXPECT_EQ(changed.value, R"({"a":"one","b":"2","c":""})");
  const auto emptied =
      apply(operation_kind::hdel, R"(["a","b","c","d"])", true, value_type::hash, changed.value);
  EXPECT_EQ(emptied.value, "{}");
  EXPECT_EQ(apply(operation_kind::hdel, R"(["x"])", false).value, "{}");
  EXPECT_THROW(parse_operation(operation_kind::hset, R"({"a":1})", std::nullopt), bad_typed_text);
  EXPECT_THROW(parse_operation(operation_kind::hdel, R"({"a":"b"})", std::nullopt), bad_typed_text);
}

}  // namespace
}  // namespace kv

namespace kv {
namespace {

typed_operation redis_incr(std::string amount, bool as_float = false) {
  typed_operation op;
  op.kind = operation_kind::incr;
  op.type = as_float ? value_type::float64 : value_type::int64;
  op.amount = std::move(amount);
  op.redis_rules = true;
  return op;
}

TEST(TypedOperationTest, RedisIncrTakesBytesThatReadAsIntegers) {
  auto result = apply_operation(redis_incr("5"), true, value_type::bytes, "10");
  EXPECT_EQ(result.status, operation_status::ok);
  EXPECT_EQ(result.type, value_type::bytes);
  EXPECT_EQ(result.value, "15");
  for (const char* text : {"abc", "1.5", " 1", "01", "-0", "99999999999999999999"}) {
    EXPECT_EQ(apply_operation(redis_incr("1"), true, value_type::bytes, text).status,
              operation_status::bad_amount)
        << text;
  }
  EXPECT_EQ(apply_operation(redis_incr("1"), true, value_type::bytes, "9223372036854775807").status,
            operation_status::out_of_range);
  EXPECT_EQ(apply_operation(redis_incr("1"), true, value_type::set, "[]").status,
            operation_status::wrong_type);
  EXPECT_EQ(apply_operation(redis_incr("1"), true, value_type::float64, "1.5").status,
            operation_status::bad_amount);
  result = apply_operation(redis_incr("-3"), false, value_type::bytes, "");
  EXPECT_EQ(result.type, value_type::int64);
  EXPECT_EQ(result.value, "-3");
}

TEST(TypedOperationTest, RedisIncrByFloatTurnsNumbersIntoFloats) {
  auto result = apply_operation(redis_incr("0.5", true), true, value_type::int64, "10");
  EXPECT_EQ(result.type, value_type::float64);
  EXPECT_EQ(result.value, "10.5");
  result = apply_operation(redis_incr("1.5", true), true, value_type::bytes, "2");
  EXPECT_EQ(result.type, value_type::bytes);
  EXPECT_EQ(result.value, "3.5");
  EXPECT_EQ(apply_operation(redis_incr("1", true), true, value_type::bytes, "x").status,
            operation_status::bad_amount);
  result = apply_operation(redis_incr("2.5", true), false, value_type::bytes, "");
  EXPECT_EQ(result.type, value_type::float64);
}

TEST(TypedOperationTest, SetAndHashOperationsCountWhatChanged) {
  typed_operation add;
  add.kind = operation_kind::sadd;
  add.type = value_type::set;
  add.names = {"a", "b", "c"};
  auto result = apply_operation(add, true, value_type::set, R"(["a"])");
  EXPECT_EQ(result.changed, 2u);
  EXPECT_FALSE(result.unchanged);
  typed_operation hset;
  hset.kind = operation_kind::hset;
  hset.type = value_type::hash;
  hset.fields = {{"f", "1"}, {"g", "2"}};
  hset.redis_rules = true;
  result = apply_operation(hset, true, value_type::hash, R"({"f":"1"})");
  EXPECT_EQ(result.changed, 1u);
  result = apply_operation(hset, true, value_type::hash, R"({"f":"1","g":"2"})");
  EXPECT_EQ(result.changed, 0u);
  EXPECT_TRUE(result.unchanged);
  result = apply_operation(hset, true, value_type::hash, R"({"f":"0","g":"2"})");
  EXPECT_EQ(result.changed, 0u);
  EXPECT_FALSE(result.unchanged);  // a new value for a field that was there
}

}  // namespace
}  // namespace kv
