// Failed log writes are logged with every failure counted: the first at once, the rest summed
// once per interval, the last of a burst too, and the total as kv_wal_write_failures_total has it.
#include "actors/failed_write_report.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

using namespace std::chrono_literals;
using clock_type = failed_write_report::clock;

const clock_type::time_point kStart = clock_type::time_point{} + 1000s;

TEST(FailedWriteReportTest, NothingIsDueWithoutFailures) {
  failed_write_report report(10s);
  EXPECT_FALSE(report.next_due());
  EXPECT_FALSE(report.take_due(kStart));
}

TEST(FailedWriteReportTest, TheFirstFailureIsLoggedAtOnce) {
  failed_write_report report(10s);
  report.count(1, kStart);
  ASSERT_EQ(report.next_due(), kStart);
  const auto line = report.take_due(kStart);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->failed, 1u);
  EXPECT_EQ(line->total, 1u);
  EXPECT_FALSE(report.next_due());
}

TEST(FailedWriteReportTest, FailuresWithinTheIntervalAreSummedIntoTheNextLine) {
  failed_write_report report(10s);
  report.count(1, kStart);
  ASSERT_TRUE(report.take_due(kStart));
  for (int i = 1; i <= 159; ++i) report.count(1, kStart + i * 50ms);
  EXPECT_FALSE(report.take_due(kStart + 9s));
  ASSERT_EQ(report.next_due(), kStart + 10s);
  const auto line = report.take_due(kStart + 10s);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->failed, 159u);
  EXPECT_EQ(line->span, 10s);
  EXPECT_EQ(line->total, 160u);
}

TEST(FailedWriteReportTest, EveryIntervalGetsALineWhileFailuresGoOn) {
  failed_write_report report(10s);
  std::uint64_t logged = 0;
  for (int second = 0; second < 60; ++second) {
    const auto now = kStart + std::chrono::seconds(second);
    report.count(3, now);
    if (const auto line = report.take_due(now)) logged += line->failed;
  }
  const auto last = report.take_due(kStart + 70s);
  ASSERT_TRUE(last);
  EXPECT_EQ(logged + last->failed, 180u);
  EXPECT_EQ(last->total, 180u);
}

TEST(FailedWriteReportTest, CountsOfSeveralWritesAtOnceAreAdded) {
  failed_write_report report(10s);
  report.count(40, kStart);
  report.count(0, kStart);
  const auto line = report.take_due(kStart);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->failed, 40u);
}

TEST(FailedWriteReportTest, AFailureAfterAQuietIntervalIsLoggedAtOnceWithItsOwnSpan) {
  failed_write_report report(10s);
  report.count(1, kStart);
  ASSERT_TRUE(report.take_due(kStart));
  report.count(2, kStart + 30s);
  ASSERT_EQ(report.next_due(), kStart + 30s);
  const auto line = report.take_due(kStart + 30s);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->failed, 2u);
  EXPECT_EQ(line->span, 0s);
  EXPECT_EQ(line->total, 3u);
}

}  // namespace
}  // namespace kv
