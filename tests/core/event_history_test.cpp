// The retained history: both bounds, what "retained after rev" means at the edges, and slices
// by prefix with their limits.
#include "core/event_history.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kv {
namespace {

feed_event_ptr event(std::uint64_t rev, std::string key, std::size_t json_bytes = 10) {
  return std::make_shared<const feed_event>(
      feed_event{std::move(key), rev, std::string(json_bytes, 'j'), {}});
}

std::vector<std::uint64_t> revs(const std::vector<feed_event_ptr>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e->rev);
  return out;
}

constexpr event_history::slice_limits no_limits{1000, 1 << 20, 1000};

TEST(EventHistoryTest, KeepsAtMostMaxEvents) {
  event_history history(3, 1 << 20);
  for (std::uint64_t rev = 1; rev <= 5; ++rev) history.append(event(rev, "k"));
  EXPECT_EQ(history.size(), 3u);
  EXPECT_EQ(history.oldest_rev(), 3u);
  EXPECT_EQ(history.bytes(), 3u * 11);
}

TEST(EventHistoryTest, KeepsAtMostMaxBytes) {
  event_history history(100, 25);  // two events of 11 bytes fit, three do not
  for (std::uint64_t rev = 1; rev <= 4; ++rev) history.append(event(rev, "k"));
  EXPECT_EQ(history.size(), 2u);
  EXPECT_EQ(history.oldest_rev(), 3u);
}

TEST(EventHistoryTest, AnEventLargerThanTheBudgetIsNotKept) {
  event_history history(100, 25);
  history.append(event(1, "k"));
  history.append(event(2, "k", 100));
  EXPECT_EQ(history.size(), 0u);
  EXPECT_EQ(history.oldest_rev(), 0u);
  EXPECT_FALSE(history.retains_after(1, 2));
  EXPECT_TRUE(history.retains_after(2, 2));
}

TEST(EventHistoryTest, RetainsAfterAtTheEdges) {
  event_history history(3, 1 << 20);
  for (std::uint64_t rev = 1; rev <= 5; ++rev) history.append(event(rev, "k"));  // keeps 3..5
  EXPECT_FALSE(history.retains_after(1, 5));                                     // rev 2 is gone
  EXPECT_TRUE(history.retains_after(2, 5));
  EXPECT_TRUE(history.retains_after(4, 5));
  EXPECT_TRUE(history.retains_after(5, 5));   // nothing to replay
  EXPECT_FALSE(history.retains_after(6, 5));  // a rev this node never published
}

TEST(EventHistoryTest, NothingRetainedRetainsOnlyTheNewest) {
  event_history history(0, 0);
  history.append(event(1, "k"));
  EXPECT_EQ(history.size(), 0u);
  EXPECT_TRUE(history.retains_after(1, 1));
  EXPECT_FALSE(history.retains_after(0, 1));
  EXPECT_TRUE(history.collect(1, "", no_limits).events.empty());
}

TEST(EventHistoryTest, CollectsByPrefixAfterARev) {
  event_history history(100, 1 << 20);
  const char* keys[] = {"a/1", "b/1", "a/2", "a/3", "b/2"};
  for (std::uint64_t rev = 1; rev <= 5; ++rev) history.append(event(rev, keys[rev - 1]));
  const auto slice = history.collect(1, "a/", no_limits);
  EXPECT_EQ(revs(slice.events), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(slice.last_looked_at, 5u);
  EXPECT_EQ(revs(history.collect(0, "", no_limits).events),
            (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(history.collect(5, "", no_limits).last_looked_at, 5u);
}

TEST(EventHistoryTest, CollectStopsAtEachLimitAndResumesWhereItStopped) {
  event_history history(100, 1 << 20);
  for (std::uint64_t rev = 1; rev <= 10; ++rev)
    history.append(event(rev, rev % 2 ? "odd" : "even"));

  const auto by_events = history.collect(0, "odd", {2, 1 << 20, 100});
  EXPECT_EQ(revs(by_events.events), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(by_events.last_looked_at, 4u);  // rev 5 matched but did not fit
  EXPECT_EQ(revs(history.collect(by_events.last_looked_at, "odd", {2, 1 << 20, 100}).events),
            (std::vector<std::uint64_t>{5, 7}));

  const auto by_bytes = history.collect(0, "", {100, 30, 100});  // 13 and 14 bytes
  EXPECT_EQ(revs(by_bytes.events), (std::vector<std::uint64_t>{1, 2}));

  const auto by_scan = history.collect(0, "odd", {100, 1 << 20, 4});
  EXPECT_EQ(revs(by_scan.events), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(by_scan.last_looked_at, 4u);
}

TEST(EventHistoryTest, OneEventLargerThanTheSliceBudgetStillComes) {
  event_history history(100, 1 << 20);
  history.append(event(1, "k", 500));
  EXPECT_EQ(history.collect(0, "", {100, 10, 100}).events.size(), 1u);
}

}  // namespace
}  // namespace kv
