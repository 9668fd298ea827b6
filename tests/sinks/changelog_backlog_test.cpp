// The backlog without a database: resuming from the table's last rev skips what it holds,
// bounds drop the oldest and count them, and every hole becomes exactly one recorded gap.
#include "sinks/changelog_backlog.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kv::changelog {
namespace {

using namespace std::chrono_literals;

feed_event_ptr event(std::uint64_t rev, std::size_t json_bytes = 10) {
  std::string key = "k";
  key += std::to_string(rev);
  return std::make_shared<const feed_event>(
      feed_event{std::move(key), rev, std::string(json_bytes, 'j'), {}});
}

std::vector<std::uint64_t> revs(const batch& b) {
  std::vector<std::uint64_t> out;
  for (const auto& e : b.events) out.push_back(e->rev);
  return out;
}

auto now() {
  return std::chrono::steady_clock::now();
}

struct BacklogTest : ::testing::Test {
  std::shared_ptr<changelog_counters> counters = std::make_shared<changelog_counters>();
  backlog make(std::size_t max_events, std::size_t max_bytes = 1 << 20) {
    return backlog({max_events, max_bytes}, counters);
  }
};

TEST_F(BacklogTest, HandsOutEventsInRevOrderInBatches) {
  auto b = make(100);
  for (std::uint64_t rev = 1; rev <= 7; ++rev) b.push(event(rev));
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto first = b.take(3, 1 << 20, now());
  EXPECT_FALSE(first.gap);
  EXPECT_EQ(revs(first), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(counters->lag(), 7u);
  b.committed(first);
  EXPECT_EQ(counters->lag(), 4u);
  auto second = b.take(100, 1 << 20, now());
  EXPECT_EQ(revs(second), (std::vector<std::uint64_t>{4, 5, 6, 7}));
  b.committed(second);
  EXPECT_TRUE(b.idle());
  EXPECT_EQ(counters->written.load(), 7u);
  EXPECT_EQ(counters->batches.load(), 2u);
  EXPECT_EQ(counters->lag(), 0u);
  EXPECT_EQ(counters->gap_events.load(), 0u);
}

TEST_F(BacklogTest, ABatchStopsAtItsByteBoundButTakesAtLeastOneEvent) {
  auto b = make(100);
  b.push(event(1, 100));
  b.push(event(2, 100));
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  EXPECT_EQ(revs(b.take(100, 50, now())), (std::vector<std::uint64_t>{1}));
}

TEST_F(BacklogTest, ResumeSkipsWhatTheTableAlreadyHolds) {
  auto b = make(100);
  for (std::uint64_t rev = 1; rev <= 5; ++rev) b.push(event(rev));
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto out = b.take(100, 1 << 20, now());
  // The commit went through but its answer was lost with the connection.
  b.failed(std::move(out));
  EXPECT_EQ(b.size(), 5u);
  ASSERT_EQ(b.resume(3), resume_outcome::ok);
  auto again = b.take(100, 1 << 20, now());
  EXPECT_FALSE(again.gap);
  EXPECT_EQ(revs(again), (std::vector<std::uint64_t>{4, 5}));
}

TEST_F(BacklogTest, NothingIsHandedOutBeforeTheTableWasRead) {
  auto b = make(100);
  b.push(event(1));
  EXPECT_TRUE(b.take(100, 1 << 20, now()).empty());
  b.push(event(2));
  b.failed(batch{});
  EXPECT_TRUE(b.take(100, 1 << 20, now()).empty());
}

TEST_F(BacklogTest, ATableAheadOfTheNodeHasDiverged) {
  auto b = make(100);
  b.set_start_rev(10);
  EXPECT_EQ(b.resume(11), resume_outcome::diverged);
  EXPECT_TRUE(b.take(100, 1 << 20, now()).empty());
  EXPECT_EQ(b.resume(10), resume_outcome::ok);
}

TEST_F(BacklogTest, RevsPublishedBeforeTheSinkStartedAreOneGap) {
  auto b = make(100);
  b.set_start_rev(40);  // restarted from its log; the table had reached 25
  b.push(event(41));
  ASSERT_EQ(b.resume(25), resume_outcome::ok);
  EXPECT_EQ(counters->lag(), 16u);
  auto out = b.take(100, 1 << 20, now());
  ASSERT_TRUE(out.gap);
  EXPECT_EQ(*out.gap, (rev_range{26, 40}));
  EXPECT_EQ(out.gap_uncounted, 15u);
  EXPECT_EQ(revs(out), (std::vector<std::uint64_t>{41}));
  b.committed(out);
  EXPECT_EQ(counters->gap_events.load(), 15u);
  EXPECT_EQ(counters->gaps_recorded.load(), 1u);
  EXPECT_EQ(counters->table_rev.load(), 41u);
  EXPECT_TRUE(b.idle());
}

TEST_F(BacklogTest, AGapIsRecordedEvenWithNoEventToFollowIt) {
  auto b = make(100);
  b.set_start_rev(9);
  ASSERT_EQ(b.resume(4), resume_outcome::ok);
  auto out = b.take(100, 1 << 20, now());
  ASSERT_TRUE(out.gap);
  EXPECT_EQ(*out.gap, (rev_range{5, 9}));
  EXPECT_TRUE(out.events.empty());
  b.committed(out);
  EXPECT_TRUE(b.idle());
  EXPECT_EQ(counters->lag(), 0u);
}

TEST_F(BacklogTest, AFullBacklogDropsTheOldestAndCountsThemAtOnce) {
  auto b = make(5);
  for (std::uint64_t rev = 1; rev <= 12; ++rev) b.push(event(rev));
  EXPECT_EQ(b.size(), 5u);
  EXPECT_EQ(counters->gap_events.load(), 7u);
  EXPECT_EQ(counters->waiting.load(), 5u);
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto out = b.take(100, 1 << 20, now());
  ASSERT_TRUE(out.gap);
  EXPECT_EQ(*out.gap, (rev_range{1, 7}));
  EXPECT_EQ(out.gap_uncounted, 0u);  // counted when dropped
  EXPECT_EQ(revs(out), (std::vector<std::uint64_t>{8, 9, 10, 11, 12}));
  b.committed(out);
  EXPECT_EQ(counters->gap_events.load(), 7u);
  EXPECT_EQ(counters->gaps_recorded.load(), 1u);
}

TEST_F(BacklogTest, TheByteBoundDropsTheOldestToo) {
  auto b = make(100, 35);
  for (std::uint64_t rev = 1; rev <= 5; ++rev) b.push(event(rev, 10));  // 12 bytes each
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(counters->gap_events.load(), 3u);
}

TEST_F(BacklogTest, EventsPushedTogetherAreBoundedAsIfPushedOneByOne) {
  auto b = make(4);
  std::vector<feed_event_ptr> events;
  for (std::uint64_t rev = 1; rev <= 7; ++rev) events.push_back(event(rev));
  b.push(std::span<const feed_event_ptr>(events));  // drops 1..3
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(counters->gap_events.load(), 3u);
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto out = b.take(100, 1 << 20, now());
  ASSERT_TRUE(out.gap);
  EXPECT_EQ(*out.gap, (rev_range{1, 3}));
  EXPECT_EQ(revs(out), (std::vector<std::uint64_t>{4, 5, 6, 7}));
}

TEST_F(BacklogTest, ABatchGivenBackGoesBeforeTheHoleDroppedMeanwhile) {
  auto b = make(4);
  for (std::uint64_t rev = 1; rev <= 4; ++rev) b.push(event(rev));
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto out = b.take(2, 1 << 20, now());  // 1, 2 in flight, counted against the bound
  EXPECT_EQ(revs(out), (std::vector<std::uint64_t>{1, 2}));
  for (std::uint64_t rev = 5; rev <= 8; ++rev) b.push(event(rev));  // drops 3..6
  EXPECT_EQ(counters->gap_events.load(), 4u);
  b.failed(std::move(out));  // 1, 2 back in front of 7, 8
  EXPECT_EQ(b.size(), 4u);
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto next = b.take(100, 1 << 20, now());
  EXPECT_FALSE(next.gap);
  EXPECT_EQ(revs(next), (std::vector<std::uint64_t>{1, 2}));  // stops at the hole
  b.committed(next);
  auto last = b.take(100, 1 << 20, now());
  ASSERT_TRUE(last.gap);
  EXPECT_EQ(*last.gap, (rev_range{3, 6}));
  EXPECT_EQ(last.gap_uncounted, 0u);
  EXPECT_EQ(revs(last), (std::vector<std::uint64_t>{7, 8}));
  b.committed(last);
  EXPECT_EQ(counters->gap_events.load(), 4u);
  EXPECT_TRUE(b.idle());
}

TEST_F(BacklogTest, DropsOnBothSidesOfABatchGivenBackAreCountedOnce) {
  auto b = make(3);
  for (std::uint64_t rev = 1; rev <= 3; ++rev) b.push(event(rev));
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto out = b.take(2, 1 << 20, now());  // 1, 2 in flight
  b.push(event(4));                      // drops 3
  b.push(event(5));                      // drops 4
  b.failed(std::move(out));              // 1, 2, 5: fits
  b.push(event(6));                      // drops 1
  EXPECT_EQ(counters->gap_events.load(), 3u);
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto first = b.take(100, 1 << 20, now());
  ASSERT_TRUE(first.gap);
  EXPECT_EQ(*first.gap, (rev_range{1, 1}));
  EXPECT_EQ(first.gap_uncounted, 0u);
  EXPECT_EQ(revs(first), (std::vector<std::uint64_t>{2}));
  b.committed(first);
  auto second = b.take(100, 1 << 20, now());
  ASSERT_TRUE(second.gap);
  EXPECT_EQ(*second.gap, (rev_range{3, 4}));
  EXPECT_EQ(second.gap_uncounted, 0u);
  EXPECT_EQ(revs(second), (std::vector<std::uint64_t>{5, 6}));
  b.committed(second);
  EXPECT_EQ(counters->gap_events.load(), 3u);
  EXPECT_EQ(counters->gaps_recorded.load(), 2u);
}

TEST_F(BacklogTest, ABatchNeverRunsAcrossAHole) {
  auto b = make(4);
  for (std::uint64_t rev = 1; rev <= 3; ++rev) b.push(event(rev));
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  auto out = b.take(1, 1 << 20, now());                             // 1 in flight
  for (std::uint64_t rev = 4; rev <= 6; ++rev) b.push(event(rev));  // drops 2, 3
  b.committed(out);
  auto next = b.take(100, 1 << 20, now());
  ASSERT_TRUE(next.gap);
  EXPECT_EQ(*next.gap, (rev_range{2, 3}));
  EXPECT_EQ(next.gap_uncounted, 0u);
  EXPECT_EQ(revs(next), (std::vector<std::uint64_t>{4, 5, 6}));
}

TEST_F(BacklogTest, TakeWaitsForAnEventOrItsDeadline) {
  auto b = make(100);
  ASSERT_EQ(b.resume(0), resume_outcome::ok);
  const auto started = now();
  EXPECT_TRUE(b.take(100, 1 << 20, started + 30ms).empty());
  EXPECT_GE(now() - started, 30ms);
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);
    b.push(event(1));
  });
  const auto out = b.take(100, 1 << 20, now() + 5s);
  producer.join();
  EXPECT_EQ(revs(out), (std::vector<std::uint64_t>{1}));
}

}  // namespace
}  // namespace kv::changelog
