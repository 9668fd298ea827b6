// Expiry deadlines in one partition's data: invisible from the deadline on, kept or cleared by
// writes, found in deadline order for the sweep, and never brought back by a clock going back.
#include <gtest/gtest.h>

#include "core/partition_store.hpp"

namespace kv {
namespace {

shared_bytes text(std::string s) {
  return shared_bytes::copy_of(s);
}

constexpr std::int64_t t0 = 1'700'000'000'000;

TEST(PartitionStoreExpiryTest, KeyVanishesFromEveryReadAtItsDeadline) {
  partition_store store;
  store.advance_clock(t0);
  store.put("k", text("v"), std::nullopt, value_type::bytes, t0 + 1000);
  store.put("other", text("w"), std::nullopt);
  EXPECT_NE(store.get("k"), nullptr);
  EXPECT_EQ(store.read("k").expires_at_ms, t0 + 1000);
  EXPECT_EQ(store.read("other").expires_at_ms, 0);

  store.advance_clock(t0 + 999);
  EXPECT_NE(store.get("k"), nullptr);
  EXPECT_FALSE(store.expired("k"));

  store.advance_clock(t0 + 1000);
  EXPECT_EQ(store.get("k"), nullptr);
  EXPECT_FALSE(store.read("k").value);
  EXPECT_TRUE(store.expired("k"));
  scan_query everything;
  everything.with_values = true;
  const scan_page page = store.scan(everything);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].key, "other");
  // Still in the map until its actor removes it, and a snapshot's scan still sees it.
  EXPECT_EQ(store.key_count(), 2u);
  everything.include_expired = true;
  EXPECT_EQ(store.scan(everything).items.size(), 2u);
}

TEST(PartitionStoreExpiryTest, ClockGoingBackNeverResurrectsAKey) {
  partition_store store;
  store.advance_clock(t0);
  store.put("k", text("v"), std::nullopt, value_type::bytes, t0 + 10);
  store.advance_clock(t0 + 10);
  EXPECT_EQ(store.get("k"), nullptr);
  store.advance_clock(t0 - 3'600'000);  // the system clock stepped back an hour
  EXPECT_EQ(store.clock_ms(), t0 + 10);
  EXPECT_EQ(store.get("k"), nullptr);
  EXPECT_TRUE(store.expired("k"));
}

TEST(PartitionStoreExpiryTest, PlainWriteClearsTheDeadlineAndRemovalDropsIt) {
  partition_store store;
  store.advance_clock(t0);
  store.put("k", text("v"), std::nullopt, value_type::bytes, t0 + 10);
  EXPECT_TRUE(store.has_deadlines());
  store.put("k", text("w"), std::nullopt);
  EXPECT_FALSE(store.has_deadlines());
  EXPECT_EQ(store.read("k").expires_at_ms, 0);
  store.advance_clock(t0 + 100);
  EXPECT_NE(store.get("k"), nullptr);

  store.set("k", text("x"), 7, value_type::bytes, t0 + 500);
  EXPECT_EQ(store.next_deadline(), t0 + 500);
  store.remove("k");
  EXPECT_FALSE(store.has_deadlines());
  EXPECT_EQ(store.next_deadline(), std::nullopt);
  store.put("j", text("v"), std::nullopt, value_type::bytes, t0 + 500);
  EXPECT_TRUE(store.erase("j", std::nullopt).deleted);
  EXPECT_FALSE(store.has_deadlines());
}

TEST(PartitionStoreExpiryTest, ExpiredKeysComeEarliestFirstAndBounded) {
  partition_store store;
  store.advance_clock(t0);
  store.put("c", text("1"), std::nullopt, value_type::bytes, t0 + 30);
  store.put("a", text("1"), std::nullopt, value_type::bytes, t0 + 10);
  store.put("b", text("1"), std::nullopt, value_type::bytes, t0 + 20);
  store.put("b", text("2"), std::nullopt, value_type::bytes, t0 + 20);  // version 2
  store.put("later", text("1"), std::nullopt, value_type::bytes, t0 + 10'000);
  EXPECT_EQ(store.next_deadline(), t0 + 10);
  EXPECT_TRUE(store.expired_keys(10).empty());

  store.advance_clock(t0 + 30);
  const auto due = store.expired_keys(10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0], std::make_pair(std::string("a"), std::uint64_t{1}));
  EXPECT_EQ(due[1], std::make_pair(std::string("b"), std::uint64_t{2}));
  EXPECT_EQ(due[2].first, "c");
  EXPECT_EQ(store.expired_keys(2).size(), 2u);
  for (const auto& [key, version] : due) store.remove(key);
  EXPECT_TRUE(store.expired_keys(10).empty());
  EXPECT_EQ(store.next_deadline(), t0 + 10'000);
  EXPECT_EQ(store.key_count(), 1u);
}

TEST(PartitionStoreExpiryTest, AnExpiredKeyRewrittenIsNewAndCountsItsBytesOnce) {
  partition_store store;
  store.advance_clock(t0);
  store.put("k", text("12345"), std::nullopt, value_type::bytes, t0 + 10);
  store.advance_clock(t0 + 10);
  store.remove("k");  // what the actor does before writing an expired key
  const put_outcome again = store.put("k", text("12"), 0);
  EXPECT_TRUE(again.created);
  EXPECT_EQ(again.version, 1u);
  EXPECT_EQ(store.byte_count(), 3u);
}

}  // namespace
}  // namespace kv
