// The fsync decisions with an injected clock: group commit for always, a sync at most one
// interval behind for everysec, none for no, and what may be acknowledged in each mode.
#include "storage/fsync_policy.hpp"

#include <gtest/gtest.h>

namespace kv::storage {
namespace {

using namespace std::chrono_literals;
using time_point = fsync_policy::clock::time_point;

const time_point t0 = time_point{} + 1000s;

TEST(FsyncPolicyTest, AlwaysAcknowledgesOnlyWhatASyncCovered) {
  fsync_policy policy(fsync_mode::always);
  EXPECT_FALSE(policy.sync_due(t0));
  const log_ticket first = policy.on_append();
  EXPECT_FALSE(policy.sync_due(t0));  // nothing written to the OS yet
  policy.on_written(t0);
  EXPECT_EQ(policy.acknowledgeable(), 0u);
  EXPECT_TRUE(policy.sync_due(t0));
  EXPECT_EQ(policy.next_sync_time(), std::nullopt);  // no timer: due as soon as written

  const log_ticket covered = policy.begin_sync();
  EXPECT_EQ(covered, first);
  EXPECT_EQ(policy.acknowledgeable(), 0u);
  policy.end_sync(covered, true);
  EXPECT_EQ(policy.acknowledgeable(), first);
  EXPECT_FALSE(policy.sync_due(t0));
}

TEST(FsyncPolicyTest, AlwaysGroupsRecordsAppendedDuringASyncIntoTheNextOne) {
  fsync_policy policy(fsync_mode::always);
  for (int i = 0; i < 3; ++i) policy.on_append();
  policy.on_written(t0);
  const log_ticket first_sync = policy.begin_sync();
  EXPECT_EQ(first_sync, 3u);

  // While it runs, 100 more writers arrive: no second sync starts until the first ends.
  for (int i = 0; i < 100; ++i) policy.on_append();
  policy.on_written(t0);
  EXPECT_FALSE(policy.sync_due(t0));
  policy.end_sync(first_sync, true);
  EXPECT_EQ(policy.acknowledgeable(), 3u);

  // Then one sync acknowledges all 100.
  ASSERT_TRUE(policy.sync_due(t0));
  const log_ticket second_sync = policy.begin_sync();
  EXPECT_EQ(second_sync, 103u);
  policy.end_sync(second_sync, true);
  EXPECT_EQ(policy.acknowledgeable(), 103u);
}

TEST(FsyncPolicyTest, FailedSyncAcknowledgesNothing) {
  fsync_policy policy(fsync_mode::always);
  policy.on_append();
  policy.on_written(t0);
  const log_ticket covered = policy.begin_sync();
  policy.end_sync(covered, false);
  EXPECT_EQ(policy.acknowledgeable(), 0u);
  EXPECT_FALSE(policy.sync_in_flight());
}

TEST(FsyncPolicyTest, EverysecAcknowledgesWrittenRecordsAndSyncsWithinTheInterval) {
  fsync_policy policy(fsync_mode::everysec);
  policy.on_append();
  EXPECT_EQ(policy.acknowledgeable(), 0u);  // not even in the OS yet
  policy.on_written(t0);
  EXPECT_EQ(policy.acknowledgeable(), 1u);
  EXPECT_EQ(policy.next_sync_time(), t0 + 1s);
  EXPECT_FALSE(policy.sync_due(t0 + 999ms));
  EXPECT_TRUE(policy.sync_due(t0 + 1s));

  // Later writes do not push the deadline back: the oldest unsynced one sets it.
  policy.on_append();
  policy.on_written(t0 + 500ms);
  EXPECT_EQ(policy.next_sync_time(), t0 + 1s);

  const log_ticket covered = policy.begin_sync();
  EXPECT_EQ(covered, 2u);
  EXPECT_EQ(policy.next_sync_time(), std::nullopt);  // everything written is covered
  policy.on_append();
  policy.on_written(t0 + 1200ms);
  EXPECT_FALSE(policy.sync_due(t0 + 3s));  // one at a time
  policy.end_sync(covered, true);
  EXPECT_EQ(policy.last_synced(), 2u);
  EXPECT_EQ(policy.next_sync_time(), t0 + 2200ms);
  EXPECT_TRUE(policy.sync_due(t0 + 3s));
}

TEST(FsyncPolicyTest, EverysecIntervalIsConfigurable) {
  fsync_policy policy(fsync_mode::everysec, 50ms);
  policy.on_append();
  policy.on_written(t0);
  EXPECT_FALSE(policy.sync_due(t0 + 49ms));
  EXPECT_TRUE(policy.sync_due(t0 + 50ms));
}

TEST(FsyncPolicyTest, NoNeverSyncsAndAcknowledgesWrittenRecords) {
  fsync_policy policy(fsync_mode::no);
  policy.on_append();
  policy.on_written(t0);
  EXPECT_EQ(policy.acknowledgeable(), 1u);
  EXPECT_FALSE(policy.sync_due(t0 + 1h));
  EXPECT_EQ(policy.next_sync_time(), std::nullopt);
}

}  // namespace
}  // namespace kv::storage
