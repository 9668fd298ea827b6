// Key-range routing: equal-width and explicit splits, and which partitions a prefix touches.
#include "core/routing_table.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(RoutingTableTest, EqualWidthSplitsOnTheFirstByte) {
  const auto table = routing_table::equal_width(16);
  ASSERT_EQ(table.partition_count(), 16u);
  EXPECT_EQ(table.partition_for("\x01"), 0u);
  EXPECT_EQ(table.partition_for("\x10"), 1u);
  EXPECT_EQ(table.partition_for("0abc"), 3u);  // '0' is 0x30
  EXPECT_EQ(table.partition_for("a"), 6u);     // 0x61
  EXPECT_EQ(table.partition_for("\xC3\xA9"), 12u);
  EXPECT_EQ(table.partition_for("\xF4\x8F\xBF\xBF"), 15u);
  EXPECT_EQ(table.range_of(0).start, "");
  EXPECT_EQ(table.range_of(0).end, "\x10");
  EXPECT_EQ(table.range_of(6).start, "\x60");
  EXPECT_FALSE(table.range_of(15).end);
}

TEST(RoutingTableTest, OnePartitionHoldsEverything) {
  const auto table = routing_table::equal_width(1);
  EXPECT_EQ(table.partition_count(), 1u);
  EXPECT_EQ(table.partition_for("anything"), 0u);
  EXPECT_EQ(table.partitions_for_prefix("a").first, 0u);
  EXPECT_EQ(table.partitions_for_prefix("a").last, 0u);
}

TEST(RoutingTableTest, ManyPartitionsSplitOnTwoBytesInOrder) {
  const auto table = routing_table::equal_width(1000);
  ASSERT_EQ(table.partition_count(), 1000u);
  std::size_t previous = 0;
  for (int first = 0; first < 256; ++first) {
    const std::string key{static_cast<char>(first), 'x'};
    const std::size_t partition = table.partition_for(key);
    EXPECT_GE(partition, previous);
    previous = partition;
  }
  EXPECT_EQ(table.partition_for("\xFF\xFF"), 999u);
}

TEST(RoutingTableTest, KeysEqualToASplitPointOpenTheNextRange) {
  const auto table = routing_table::from_split_points({"g", "n", "t"});
  ASSERT_EQ(table.partition_count(), 4u);
  EXPECT_EQ(table.partition_for("a"), 0u);
  EXPECT_EQ(table.partition_for("fzzz"), 0u);
  EXPECT_EQ(table.partition_for("g"), 1u);
  EXPECT_EQ(table.partition_for("mouse"), 1u);
  EXPECT_EQ(table.partition_for("n"), 2u);
  EXPECT_EQ(table.partition_for("zebra"), 3u);
}

TEST(RoutingTableTest, RejectsBadSplitPoints) {
  EXPECT_THROW(routing_table::from_split_points({"b", "a"}), std::invalid_argument);
  EXPECT_THROW(routing_table::from_split_points({"a", "a"}), std::invalid_argument);
  EXPECT_THROW(routing_table::from_split_points({""}), std::invalid_argument);
  EXPECT_THROW(routing_table::equal_width(0), std::invalid_argument);
}

TEST(RoutingTableTest, PrefixTouchesOnlyOverlappingPartitions) {
  const auto table = routing_table::from_split_points({"g", "n", "t"});
  auto span = table.partitions_for_prefix("h");
  EXPECT_EQ(span.first, 1u);
  EXPECT_EQ(span.last, 1u);
  span = table.partitions_for_prefix("");
  EXPECT_EQ(span.first, 0u);
  EXPECT_EQ(span.last, 3u);
  // "n" itself opens partition 2, and every key starting with "m" is below it.
  span = table.partitions_for_prefix("m");
  EXPECT_EQ(span.first, 1u);
  EXPECT_EQ(span.last, 1u);
  // Keys starting with "n" all lie in partition 2.
  span = table.partitions_for_prefix("n");
  EXPECT_EQ(span.first, 2u);
  EXPECT_EQ(span.last, 2u);
}

TEST(RoutingTableTest, PrefixSpanningASplitPointTouchesBothSides) {
  const auto table = routing_table::from_split_points({"user:5", "user:9"});
  const auto span = table.partitions_for_prefix("user:");
  EXPECT_EQ(span.first, 0u);
  EXPECT_EQ(span.last, 2u);
  const auto narrow = table.partitions_for_prefix("user:6");
  EXPECT_EQ(narrow.first, 1u);
  EXPECT_EQ(narrow.last, 1u);
}

TEST(RoutingTableTest, PrefixSuccessorIsTheTightUpperBound) {
  EXPECT_EQ(prefix_successor("abc"), "abd");
  EXPECT_EQ(prefix_successor("a\xFF"), "b");
  EXPECT_FALSE(prefix_successor(""));
  EXPECT_FALSE(prefix_successor("\xFF\xFF"));
}

}  // namespace
}  // namespace kv
