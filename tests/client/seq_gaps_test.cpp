// Unit tests of loss detection on the ZeroMQ feed: per-partition seq breaks and their warnings.
#include "client/seq_gaps.hpp"

#include <gtest/gtest.h>

namespace kv::client {
namespace {

TEST(SeqGapTrackerTest, ConsecutiveSeqsPerPartitionAreNoBreak) {
  seq_gap_tracker tracker;
  EXPECT_FALSE(tracker.observe(0, 1));
  EXPECT_FALSE(tracker.observe(1, 40));
  EXPECT_FALSE(tracker.observe(0, 2));
  EXPECT_FALSE(tracker.observe(1, 41));
}

TEST(SeqGapTrackerTest, TheFirstEventOfAPartitionIsNoBreakWhateverItsSeq) {
  seq_gap_tracker tracker;
  EXPECT_FALSE(tracker.observe(3, 1000));
}

TEST(SeqGapTrackerTest, AJumpReportsTheMissingSeqs) {
  seq_gap_tracker tracker;
  tracker.observe(5, 9);
  const auto gap = tracker.observe(5, 13);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->partition, 5u);
  EXPECT_EQ(gap->missed(), 3u);
  EXPECT_EQ(describe(*gap),
            "WARNING: lost 3 events of partition 5 (seq 10 to 12): the ZeroMQ feed dropped them; "
            "watch with --sse to lose nothing");
  EXPECT_FALSE(tracker.observe(5, 14)) << "counting goes on from the new seq";
}

TEST(SeqGapTrackerTest, OneMissingEventIsNamedAlone) {
  seq_gap_tracker tracker;
  tracker.observe(2, 1);
  const auto gap = tracker.observe(2, 3);
  ASSERT_TRUE(gap);
  EXPECT_EQ(describe(*gap),
            "WARNING: lost 1 event of partition 2 (seq 2): the ZeroMQ feed dropped it; watch "
            "with --sse to lose nothing");
}

TEST(SeqGapTrackerTest, ASeqThatGoesBackMeansARestart) {
  seq_gap_tracker tracker;
  tracker.observe(4, 40);
  const auto gap = tracker.observe(4, 1);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->missed(), 0u);
  EXPECT_EQ(describe(*gap),
            "WARNING: partition 4 went back from seq 40 to 1: the node restarted; events may "
            "have been lost");
}

}  // namespace
}  // namespace kv::client
