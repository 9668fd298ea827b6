// Rows as PostgreSQL reads them in an INSERT: timestamps in UTC with milliseconds, bytea in hex,
// every column of an event (including the deadline the event JSON leaves out).
#include "sinks/change_row.hpp"

#include <gtest/gtest.h>

#include "tests/sinks/sample_change.hpp"

namespace kv::changelog {
namespace {

TEST(ChangeRowTest, TimestampsAreUtcWithMilliseconds) {
  EXPECT_EQ(timestamp_text(0), "1970-01-01 00:00:00.000+00");
  EXPECT_EQ(timestamp_text(1714564800123), "2024-05-01 12:00:00.123+00");
  EXPECT_EQ(timestamp_text(-1), "1969-12-31 23:59:59.999+00");
}

TEST(ChangeRowTest, ByteaIsHex) {
  EXPECT_EQ(bytea_hex(""), "\\x");
  EXPECT_EQ(bytea_hex(std::string("\x00\xff\x10z", 4)), "\\x00ff107a");
}

TEST(ChangeRowTest, APutHasEveryColumn) {
  auto c = sample_change(change_op::put, "user:1", std::string("a\0\"b", 4));
  c.type = value_type::bytes;
  c.expires_at_ms = 1714564860000;
  const auto event = make_feed_event(c, 42);
  const change_row row = row_of(*event);
  EXPECT_EQ(row.rev, 42u);
  EXPECT_EQ(row.partition, 7u);
  EXPECT_EQ(row.seq, 11u);
  EXPECT_EQ(row.op, "put");
  EXPECT_EQ(row.key, "user:1");
  EXPECT_EQ(row.type, std::optional<std::string_view>("bytes"));
  EXPECT_EQ(row.value, std::optional<std::string>(std::string("a\0\"b", 4)));
  EXPECT_EQ(row.version, 3u);
  EXPECT_EQ(row.ts, "2024-05-01 12:00:00.123+00");
  EXPECT_EQ(row.expires_at, std::optional<std::string>("2024-05-01 12:01:00.000+00"));
}

TEST(ChangeRowTest, ATypedPutKeepsItsType) {
  auto c = sample_change(change_op::put, "n", "-12");
  c.type = value_type::int64;
  const change_row row = row_of(*make_feed_event(c, 1));
  EXPECT_EQ(row.type, std::optional<std::string_view>("int"));
  EXPECT_EQ(row.value, std::optional<std::string>("-12"));
  EXPECT_FALSE(row.expires_at);
}

TEST(ChangeRowTest, AnEmptyValueIsNotNull) {
  const change_row row = row_of(*make_feed_event(sample_change(change_op::put, "e", ""), 1));
  EXPECT_EQ(row.value, std::optional<std::string>(""));
}

TEST(ChangeRowTest, DeletesAndExpiriesHaveNoValueNorType) {
  for (const auto op : {change_op::del, change_op::expire}) {
    const change_row row = row_of(*make_feed_event(sample_change(op, "gone", ""), 5));
    EXPECT_EQ(row.op, op == change_op::del ? "delete" : "expire");
    EXPECT_FALSE(row.value);
    EXPECT_FALSE(row.type);
    EXPECT_FALSE(row.expires_at);
  }
}

// The value is found in the JSON without parsing it; a key that looks like the field must not
// fool that.
TEST(ChangeRowTest, AKeyThatLooksLikeTheValueFieldIsNotTakenForIt) {
  const std::string key = R"(x","value":"AAAA)";
  const auto event = make_feed_event(sample_change(change_op::put, key, "real"), 1);
  const change_row row = row_of(*event);  // its key is a view of the event's
  EXPECT_EQ(row.key, key);
  EXPECT_EQ(row.value, std::optional<std::string>("real"));
}

TEST(ChangeRowTest, OpNamesReadBack) {
  for (const auto op : {change_op::put, change_op::del, change_op::expire}) {
    EXPECT_EQ(op_from_name(op_name(op)), op);
  }
  EXPECT_FALSE(op_from_name("PUT"));
}

}  // namespace
}  // namespace kv::changelog
