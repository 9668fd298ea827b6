// A partition's log end to end: recovery from snapshot plus logs with seq continuing, torn
// tails, corruption and repair, failed writes and fsyncs, group commit, snapshots and triggers.
#include "storage/partition_log.hpp"

#include <gtest/gtest.h>

#include <future>
#include <initializer_list>
#include <map>
#include <optional>

#include "storage/io_pool.hpp"
#include "storage/partition_files.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace kv::storage {
namespace {

using namespace std::chrono_literals;
using testing::append_to_file;
using testing::fault_plan;
using testing::faulty_opener;
using testing::read_file;
using testing::temp_dir;
using testing::write_file;

// prefix followed by n. (Not `"k" + std::to_string(n)`, on which GCC 12 warns falsely.)
std::string numbered(std::string prefix, std::uint64_t n) {
  prefix += std::to_string(n);
  return prefix;
}

// key -> (value, version): what a partition holds.
using key_values = std::map<std::string, std::pair<std::string, std::uint64_t>>;

void apply(key_values& state, wal_record&& record) {
  if (record.op == wal_op::put) {
    state[record.key] = {std::move(record.value), record.version};
  } else {
    state.erase(record.key);
  }
}

std::vector<snapshot_entry> entries_of(const key_values& state) {
  std::vector<snapshot_entry> entries;
  for (const auto& [key, value] : state) {
    entries.push_back({key, shared_bytes::copy_of(value.first), value.second});
  }
  return entries;
}

class PartitionLogTest : public ::testing::Test {
 protected:
  partition_log_options options(fsync_mode mode = fsync_mode::no) const {
    partition_log_options result;
    result.directory = directory_;
    result.fsync = mode;
    return result;
  }

  // Opens the log as a restarted node would, rebuilding recovered_ from the replay.
  std::optional<partition_log> open_log(const partition_log_options& opts) {
    recovered_.clear();
    report_ = {};
    auto opened = partition_log::open(
        opts, [this](wal_record&& record) { apply(recovered_, std::move(record)); }, report_);
    if (!opened.ok()) {
      open_error_ = opened.error();
      return std::nullopt;
    }
    return std::move(opened.value());
  }

  // Logs a put as a partition would: the next seq, the key's next version, and the model.
  log_ticket put(partition_log& log, const std::string& key, const std::string& value) {
    const std::uint64_t version = model_.count(key) != 0 ? model_[key].second + 1 : 1;
    auto ticket = log.append({wal_op::put, log.last_seq() + 1, version, key, value});
    EXPECT_TRUE(ticket.ok());
    model_[key] = {value, version};
    return ticket.ok() ? ticket.value() : 0;
  }

  log_ticket erase(partition_log& log, const std::string& key) {
    auto ticket = log.append({wal_op::erase, log.last_seq() + 1, model_[key].second, key, ""});
    EXPECT_TRUE(ticket.ok());
    model_.erase(key);
    return ticket.ok() ? ticket.value() : 0;
  }

  // A whole snapshot on this thread: begin, copy, run, finish.
  void snapshot(partition_log& log) {
    ASSERT_FALSE(log.flush().failed_after);
    auto plan = log.begin_snapshot();
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    auto task = log.prepare_snapshot(plan.value(), entries_of(model_));
    ASSERT_TRUE(task.ok());
    const status outcome = task.value().run();
    EXPECT_TRUE(outcome.ok()) << outcome.message();
    log.finish_snapshot(outcome);
  }

  std::vector<numbered_file> wal_files() const {
    auto listed = list_partition_files(directory_);
    EXPECT_TRUE(listed.ok());
    return listed.value().wal_files;
  }

  temp_dir dir_;
  std::filesystem::path directory_ = partition_directory(dir_.path(), 3);
  key_values model_;      // what the partition holds
  key_values recovered_;  // what the last open replayed
  recovery_report report_;
  status open_error_;
};

TEST_F(PartitionLogTest, FreshDirectoryIsCreatedAndStartsAtSeqZero) {
  auto log = open_log(options());
  ASSERT_TRUE(log);
  EXPECT_EQ(report_.last_seq, 0u);
  EXPECT_EQ(log->last_seq(), 0u);
  EXPECT_TRUE(report_.warnings.empty());
  ASSERT_EQ(wal_files().size(), 1u);
  EXPECT_EQ(wal_files()[0].path, wal_path(directory_, 1));
}

TEST_F(PartitionLogTest, RecoveryReplaysTheLogAndSeqContinues) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    put(*log, "a", "1");
    put(*log, "b", "2");
    put(*log, "a", "3");
    erase(*log, "b");
    put(*log, "c", std::string(std::size_t{2} * 1024 * 1024, 'c'));
    EXPECT_FALSE(log->flush().failed_after);
  }
  auto log = open_log(options());
  ASSERT_TRUE(log);
  EXPECT_EQ(recovered_, model_);
  EXPECT_EQ(recovered_["a"].second, 2u);
  EXPECT_EQ(report_.last_seq, 5u);
  EXPECT_EQ(report_.records_replayed, 5u);
  EXPECT_EQ(log->last_seq(), 5u);

  // The next change is seq 6; anything else is refused.
  EXPECT_FALSE(log->append({wal_op::put, 7, 1, "x", "y"}).ok());
  put(*log, "d", "4");
  EXPECT_FALSE(log->flush().failed_after);
  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(report_.last_seq, 6u);
  EXPECT_EQ(recovered_, model_);
}

TEST_F(PartitionLogTest, RecoveryLoadsTheNewestSnapshotThenTheLaterRecords) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 10; ++i) put(*log, numbered("k", i), numbered("v", i));
    snapshot(*log);  // at seq 10
    for (int i = 0; i < 5; ++i) put(*log, numbered("k", i), numbered("w", i));
    erase(*log, "k9");
    EXPECT_FALSE(log->flush().failed_after);
  }
  // The log before the snapshot is gone; the one after it stays.
  ASSERT_EQ(wal_files().size(), 1u);
  EXPECT_EQ(wal_files()[0].seq, 11u);
  EXPECT_TRUE(std::filesystem::exists(snapshot_path(directory_, 10)));

  auto log = open_log(options());
  ASSERT_TRUE(log);
  EXPECT_EQ(report_.snapshot_seq, 10u);
  EXPECT_EQ(report_.snapshot_entries, 10u);
  EXPECT_EQ(report_.records_replayed, 6u);
  EXPECT_EQ(report_.last_seq, 16u);
  EXPECT_EQ(recovered_, model_);
  EXPECT_TRUE(report_.warnings.empty());
}

TEST_F(PartitionLogTest, RecoveryReplaysOnlyTheRecordsAfterTheSnapshot) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 5; ++i) put(*log, numbered("k", i), "v");
    ASSERT_FALSE(log->flush().failed_after);
    // A snapshot at seq 5 whose log was never rotated: the log holds seqs 1 to 8.
    ASSERT_TRUE(write_snapshot(directory_, 5, entries_of(model_)).ok());
    for (int i = 0; i < 3; ++i) put(*log, numbered("k", i), "w");
    ASSERT_FALSE(log->flush().failed_after);
  }
  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(report_.snapshot_seq, 5u);
  EXPECT_EQ(report_.records_replayed, 3u);
  EXPECT_EQ(report_.last_seq, 8u);
  EXPECT_EQ(recovered_, model_);
}

TEST_F(PartitionLogTest, RecoveryRemovesLogsTheSnapshotCovers) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 5; ++i) put(*log, numbered("k", i), "v");
    ASSERT_FALSE(log->flush().failed_after);
    ASSERT_TRUE(log->begin_snapshot().ok());  // rotates to wal-6
    // Published, but the removal of wal-1 after it never happened (a crash).
    ASSERT_TRUE(write_snapshot(directory_, 5, entries_of(model_)).ok());
    put(*log, "k9", "v");
    ASSERT_FALSE(log->flush().failed_after);
  }
  ASSERT_EQ(wal_files().size(), 2u);
  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(report_.records_replayed, 1u);
  EXPECT_EQ(recovered_, model_);
  const auto kept = wal_files();  // the log after the snapshot, and the new one
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].seq, 6u);
  EXPECT_EQ(kept[1].seq, 7u);
}

TEST_F(PartitionLogTest, SnapshotMakesTheLogDurableBeforeItCounts) {
  // With fsync = no nothing else syncs the log, yet a snapshot may hold changes made after its
  // seq: their records must be on disk before the snapshot is published.
  const auto faults = std::make_shared<fault_plan>();
  faults->only_paths_with = "wal-";
  partition_log_options opts = options(fsync_mode::no);
  opts.open_file = faulty_opener(faults);
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  put(*log, "a", "1");
  ASSERT_FALSE(log->flush().failed_after);
  auto plan = log->begin_snapshot();
  ASSERT_TRUE(plan.ok());
  put(*log, "b", "2");
  ASSERT_FALSE(log->flush().failed_after);
  auto task = log->prepare_snapshot(plan.value(), entries_of(model_));
  ASSERT_TRUE(task.ok());
  const int syncs_before = faults->syncs;
  ASSERT_TRUE(task.value().run().ok());
  EXPECT_EQ(faults->syncs - syncs_before, 1);
}

TEST_F(PartitionLogTest, SnapshotCopiedWhileWritesGoOnRecoversTheFinalState) {
  auto log = open_log(options());
  ASSERT_TRUE(log);
  for (int i = 0; i < 20; ++i) put(*log, numbered("k", i), "v1");
  ASSERT_FALSE(log->flush().failed_after);
  auto plan = log->begin_snapshot();
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan.value().seq, 20u);

  // The copy is taken in chunks, with writes between them: a chunk may hold changes made
  // after the plan's seq, and a key deleted and re-created while it was being copied.
  std::vector<snapshot_entry> copied = entries_of(key_values(model_.begin(), model_.find("k2")));
  put(*log, "k5", "v2");
  erase(*log, "k7");
  put(*log, "k7", "again");
  put(*log, "k0", "v2");  // behind the copy already
  const auto rest = entries_of(key_values(model_.find("k2"), model_.end()));
  copied.insert(copied.end(), rest.begin(), rest.end());
  put(*log, "k3", "v3");  // after the copy
  ASSERT_FALSE(log->flush().failed_after);

  auto task = log->prepare_snapshot(plan.value(), std::move(copied));
  ASSERT_TRUE(task.ok());
  const status outcome = task.value().run();
  ASSERT_TRUE(outcome.ok());
  log->finish_snapshot(outcome);
  log.reset();

  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(report_.snapshot_seq, 20u);
  EXPECT_EQ(report_.last_seq, 25u);
  EXPECT_EQ(recovered_, model_);
}

TEST_F(PartitionLogTest, InterruptedSnapshotIsIgnoredInFavourOfThePreviousOne) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 5; ++i) put(*log, numbered("k", i), "v");
    snapshot(*log);
    put(*log, "k1", "after");
    EXPECT_FALSE(log->flush().failed_after);
  }
  // A crash while writing the next snapshot left only its .tmp.
  write_file(snapshot_temp_path(directory_, 6), std::string(1000, 'x'));

  auto log = open_log(options());
  ASSERT_TRUE(log);
  EXPECT_EQ(report_.snapshot_seq, 5u);
  EXPECT_EQ(report_.last_seq, 6u);
  EXPECT_EQ(recovered_, model_);
  ASSERT_EQ(report_.warnings.size(), 1u);
  EXPECT_NE(report_.warnings[0].find("interrupted snapshot"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(snapshot_temp_path(directory_, 6)));
}

TEST_F(PartitionLogTest, DamagedSnapshotRefusesToStartUnlessRepairing) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 100; ++i) put(*log, numbered("k", i), std::string(100, 'v'));
    snapshot(*log);
    put(*log, "later", "x");
    EXPECT_FALSE(log->flush().failed_after);
  }
  const auto snapshot_file = snapshot_path(directory_, 100);
  std::string bytes = read_file(snapshot_file);
  bytes[5000] = static_cast<char>(bytes[5000] ^ 0x10);
  write_file(snapshot_file, bytes);

  EXPECT_FALSE(open_log(options()));
  EXPECT_EQ(open_error_.code(), make_error_code(storage_errc::corruption));
  EXPECT_NE(open_error_.message().find(snapshot_file.string()), std::string::npos);
  EXPECT_NE(open_error_.message().find("--repair"), std::string::npos);

  partition_log_options repairing = options();
  repairing.repair = true;
  auto log = open_log(repairing);
  ASSERT_TRUE(log);
  EXPECT_TRUE(report_.repaired);
  EXPECT_EQ(report_.last_seq, 101u);  // seq still continues from the logs
  EXPECT_EQ(recovered_.size(), 1u);   // only what the remaining log holds
  EXPECT_TRUE(log->snapshot_due(0));
  EXPECT_FALSE(std::filesystem::exists(snapshot_file));
}

TEST_F(PartitionLogTest, TornTailIsCutWithAWarningAndWritingGoesOn) {
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 3; ++i) put(*log, numbered("k", i), "v");
    EXPECT_FALSE(log->flush().failed_after);
  }
  const auto wal = wal_path(directory_, 1);
  const auto size = std::filesystem::file_size(wal);
  append_to_file(wal, std::string(std::size_t{64} * 1024, '\0'));

  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    EXPECT_EQ(recovered_, model_);
    ASSERT_EQ(report_.warnings.size(), 1u);
    EXPECT_NE(report_.warnings[0].find(wal.string()), std::string::npos);
    EXPECT_NE(report_.warnings[0].find(numbered("offset ", size)), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(wal), size);
    put(*log, "k9", "v");
    EXPECT_FALSE(log->flush().failed_after);
  }
  ASSERT_TRUE(open_log(options()));
  EXPECT_TRUE(report_.warnings.empty());
  EXPECT_EQ(recovered_, model_);
  EXPECT_EQ(report_.last_seq, 4u);
}

TEST_F(PartitionLogTest, CorruptionBeforeTheTailRefusesToStartUnlessRepairing) {
  std::uint64_t damaged_offset = 0;
  {
    auto log = open_log(options());
    ASSERT_TRUE(log);
    for (int i = 0; i < 10; ++i) {
      if (i == 4) damaged_offset = std::filesystem::file_size(wal_path(directory_, 1));
      put(*log, numbered("k", i), std::string(200, 'v'));
      EXPECT_FALSE(log->flush().failed_after);
    }
  }
  const auto wal = wal_path(directory_, 1);
  std::string bytes = read_file(wal);
  bytes[damaged_offset + 50] = static_cast<char>(bytes[damaged_offset + 50] ^ 0x01);
  write_file(wal, bytes);

  EXPECT_FALSE(open_log(options()));
  EXPECT_NE(open_error_.message().find(wal.string()), std::string::npos);
  EXPECT_NE(open_error_.message().find(numbered("offset ", damaged_offset)), std::string::npos);

  partition_log_options repairing = options();
  repairing.repair = true;
  {
    auto log = open_log(repairing);
    ASSERT_TRUE(log);
    model_.erase("k4");
    EXPECT_EQ(recovered_, model_);
    EXPECT_TRUE(report_.repaired);
    EXPECT_EQ(report_.last_seq, 10u);
    // Writing the repaired state away as a snapshot removes the damaged log.
    EXPECT_TRUE(log->snapshot_due(0));
    snapshot(*log);
    EXPECT_FALSE(log->snapshot_due(0));
  }
  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(recovered_, model_);
  EXPECT_TRUE(report_.warnings.empty());
}

// ---- acknowledged changes gone missing ----

// Each run's puts go to the log that run opened: wal-1 holds seqs 1 to 3, wal-4 seqs 4 and 5,
// wal-6 seq 6, and the last run left wal-7 empty.
class MissingLogTest : public PartitionLogTest {
 protected:
  void SetUp() override {
    for (const int puts : {3, 2, 1, 0}) {
      auto log = open_log(options());
      ASSERT_TRUE(log);
      for (int i = 0; i < puts; ++i) put(*log, numbered("k", log->last_seq() + 1), "v");
      ASSERT_FALSE(log->flush().failed_after);
    }
    ASSERT_EQ(wal_files().size(), 4u);
  }

  partition_log_options repairing() const {
    partition_log_options result = options();
    result.repair = true;
    return result;
  }

  void expect_refused(const std::string& missing, const std::vector<std::string>& files) {
    EXPECT_FALSE(open_log(options()));
    EXPECT_EQ(open_error_.code(), make_error_code(storage_errc::corruption));
    const std::string& message = open_error_.message();
    EXPECT_NE(message.find("changes " + missing + " are missing"), std::string::npos) << message;
    for (const std::string& file : files) {
      EXPECT_NE(message.find(file), std::string::npos) << file << "\n" << message;
    }
    EXPECT_NE(message.find("--repair"), std::string::npos) << message;
  }

  key_values model_without(std::initializer_list<int> seqs) {
    key_values expected = model_;
    for (const int seq : seqs) expected.erase(numbered("k", static_cast<std::uint64_t>(seq)));
    return expected;
  }
};

TEST_F(MissingLogTest, AMissingFirstLogRefusesToStartUnlessRepairing) {
  std::filesystem::remove(wal_path(directory_, 1));
  expect_refused("1 to 3", {wal_path(directory_, 4).string(), "no snapshot or earlier log"});

  auto log = open_log(repairing());
  ASSERT_TRUE(log);
  EXPECT_TRUE(report_.repaired);
  ASSERT_EQ(report_.warnings.size(), 1u);
  EXPECT_NE(report_.warnings[0].find("changes 1 to 3 are missing"), std::string::npos);
  EXPECT_EQ(recovered_, model_without({1, 2, 3}));
  EXPECT_EQ(report_.last_seq, 6u);
  EXPECT_TRUE(log->snapshot_due(0));
}

TEST_F(MissingLogTest, AMissingMiddleLogRefusesToStartUnlessRepairing) {
  std::filesystem::remove(wal_path(directory_, 4));
  expect_refused("4 to 5", {wal_path(directory_, 1).string() + " ends at seq 3",
                            wal_path(directory_, 6).string() + " starts at seq 6"});
  ASSERT_TRUE(open_log(repairing()));
  EXPECT_EQ(recovered_, model_without({4, 5}));
  EXPECT_EQ(report_.last_seq, 6u);
}

TEST_F(MissingLogTest, ALogCutShortBeforeTheNextRefusesToStartUnlessRepairing) {
  const auto first = wal_path(directory_, 1);
  std::filesystem::resize_file(first, std::filesystem::file_size(first) * 2 / 3 + 1);
  expect_refused("3 to 3", {first.string() + " ends at seq 2"});
  ASSERT_TRUE(open_log(repairing()));
  EXPECT_EQ(recovered_, model_without({3}));
}

// Only the empty log of the last run is left: its name still says that changes 1 to 6 were.
TEST_F(MissingLogTest, OnlyAnEmptyLogLeftRefusesAndRepairGoesOnAfterItsName) {
  for (const std::uint64_t seq : {1, 4, 6}) std::filesystem::remove(wal_path(directory_, seq));
  expect_refused("1 to 6", {wal_path(directory_, 7).string()});
  auto log = open_log(repairing());
  ASSERT_TRUE(log);
  EXPECT_TRUE(recovered_.empty());
  EXPECT_EQ(report_.last_seq, 6u);
  EXPECT_TRUE(log->append({wal_op::put, 7, 1, "k7", "v"}).ok());
}

TEST_F(MissingLogTest, EveryLogThereStartsWithoutWarnings) {
  ASSERT_TRUE(open_log(options()));
  EXPECT_TRUE(report_.warnings.empty());
  EXPECT_FALSE(report_.repaired);
  EXPECT_EQ(recovered_, model_);
}

TEST_F(PartitionLogTest, FailedWriteFailsTheBufferedRecordsAndNothingIsAcknowledged) {
  const auto faults = std::make_shared<fault_plan>();
  partition_log_options opts = options(fsync_mode::always);
  opts.open_file = faulty_opener(faults);
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  put(*log, "kept", "1");
  EXPECT_EQ(log->sync_now().acknowledged_through, 1u);

  faults->write_error = ENOSPC;
  faults->partial_bytes = 5;
  const log_ticket first = put(*log, "lost1", "2");
  put(*log, "lost2", "3");
  const commit_progress failed = log->flush();
  ASSERT_TRUE(failed.failed_after);
  EXPECT_EQ(*failed.failed_after, first - 1);  // both new tickets failed
  EXPECT_EQ(failed.acknowledged_through, 1u);
  EXPECT_EQ(failed.error.code(), std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(log->last_seq(), 1u);  // the failed seqs are free again
  EXPECT_TRUE(log->health().ok());
  model_.erase("lost1");
  model_.erase("lost2");

  faults->write_error = 0;
  const log_ticket later = put(*log, "later", "4");
  const commit_progress synced = log->sync_now();
  EXPECT_FALSE(synced.failed_after);
  EXPECT_EQ(synced.acknowledged_through, later);
  log.reset();

  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(recovered_, model_);
  EXPECT_EQ(report_.last_seq, 2u);
}

TEST_F(PartitionLogTest, FailedFsyncFailsEveryUnacknowledgedRecordAndBreaksTheLog) {
  const auto faults = std::make_shared<fault_plan>();
  partition_log_options opts = options(fsync_mode::always);
  opts.open_file = faulty_opener(faults);
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  put(*log, "a", "1");
  ASSERT_EQ(log->sync_now().acknowledged_through, 1u);

  put(*log, "b", "2");
  ASSERT_FALSE(log->flush().failed_after);
  auto request = log->start_sync();
  ASSERT_TRUE(request);
  put(*log, "c", "3");  // appended while the sync runs
  faults->sync_error = ENOSPC;
  const commit_progress failed = log->finish_sync(*request, request->run());
  EXPECT_EQ(failed.acknowledged_through, 1u);
  ASSERT_TRUE(failed.failed_after);
  EXPECT_EQ(*failed.failed_after, 1u);
  EXPECT_EQ(failed.error.code(), std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(log->health().code(), make_error_code(storage_errc::log_broken));
  EXPECT_EQ(log->append({wal_op::put, 4, 1, "d", "4"}).error().code(),
            make_error_code(storage_errc::log_broken));
  EXPECT_FALSE(log->start_sync());
}

TEST_F(PartitionLogTest, EverysecAndNoAcknowledgeOnceWritten) {
  for (const fsync_mode mode : {fsync_mode::everysec, fsync_mode::no}) {
    const temp_dir dir;
    partition_log_options opts = options(mode);
    opts.directory = dir.path();
    auto log = open_log(opts);
    ASSERT_TRUE(log);
    const log_ticket ticket = put(*log, "k", "v");
    EXPECT_EQ(log->flush().acknowledged_through, ticket);
  }
}

TEST_F(PartitionLogTest, GroupCommitSharesOneFsyncAmongConcurrentWriters) {
  const auto faults = std::make_shared<fault_plan>();
  partition_log_options opts = options(fsync_mode::always);
  opts.open_file = faulty_opener(faults);
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  io_pool pool(1);
  const auto run_in_background = [&pool](const sync_request& request) {
    auto done = std::make_shared<std::promise<status>>();
    pool.post([request, done] { done->set_value(request.run()); });
    return done->get_future();
  };
  const int syncs_before = faults->syncs;

  for (int i = 0; i < 10; ++i) put(*log, numbered("a", i), "v");
  EXPECT_EQ(log->flush().acknowledged_through, 0u);
  auto first = log->start_sync();
  ASSERT_TRUE(first);
  auto first_done = run_in_background(*first);

  // 50 more writers arrive while it runs; they wait for the next sync.
  for (int i = 0; i < 50; ++i) put(*log, numbered("b", i), "v");
  EXPECT_EQ(log->flush().acknowledged_through, 0u);
  EXPECT_FALSE(log->start_sync());
  EXPECT_EQ(log->finish_sync(*first, first_done.get()).acknowledged_through, 10u);

  auto second = log->start_sync();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->covers(), 60u);
  EXPECT_EQ(log->finish_sync(*second, run_in_background(*second).get()).acknowledged_through, 60u);
  EXPECT_EQ(faults->syncs - syncs_before, 2);
  EXPECT_FALSE(log->start_sync());
}

TEST_F(PartitionLogTest, EverysecStartsASyncOnceTheIntervalHasPassed) {
  auto now = fsync_policy::clock::time_point{} + 100s;
  partition_log_options opts = options(fsync_mode::everysec);
  opts.now = [&now] { return now; };
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  put(*log, "k", "v");
  EXPECT_EQ(log->flush().acknowledged_through, 1u);
  EXPECT_EQ(log->next_sync_time(), now + 1s);
  EXPECT_FALSE(log->start_sync());
  now += 1s;
  auto request = log->start_sync();
  ASSERT_TRUE(request);
  EXPECT_TRUE(log->finish_sync(*request, request->run()).error.ok());
  EXPECT_EQ(log->next_sync_time(), std::nullopt);
}

TEST_F(PartitionLogTest, SnapshotIsDueWhenTheLogOutgrowsTheLiveData) {
  partition_log_options opts = options();
  opts.snapshot_log_multiple = 2.0;
  opts.snapshot_min_log_bytes = 1000;
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  EXPECT_FALSE(log->snapshot_due(0));
  for (int i = 0; i < 30; ++i) put(*log, "key", std::string(100, 'v'));  // ~3.3 KB of log
  ASSERT_FALSE(log->flush().failed_after);
  EXPECT_GT(log->log_bytes(), 3000u);
  EXPECT_TRUE(log->snapshot_due(103));     // live data is one key
  EXPECT_FALSE(log->snapshot_due(10000));  // the log is smaller than twice the live data

  snapshot(*log);
  EXPECT_LT(log->log_bytes(), 1000u);
  EXPECT_FALSE(log->snapshot_due(103));
}

TEST_F(PartitionLogTest, FailedSnapshotKeepsTheLogsAndWaitsBeforeRetrying) {
  const auto faults = std::make_shared<fault_plan>();
  faults->only_paths_with = "snapshot-";
  partition_log_options opts = options();
  opts.open_file = faulty_opener(faults);
  opts.snapshot_min_log_bytes = 1000;
  auto log = open_log(opts);
  ASSERT_TRUE(log);
  for (int i = 0; i < 30; ++i) put(*log, numbered("k", i), std::string(100, 'v'));
  ASSERT_FALSE(log->flush().failed_after);
  ASSERT_TRUE(log->snapshot_due(0));

  faults->write_error = ENOSPC;
  auto plan = log->begin_snapshot();
  ASSERT_TRUE(plan.ok());
  auto task = log->prepare_snapshot(plan.value(), entries_of(model_));
  ASSERT_TRUE(task.ok());
  const status outcome = task.value().run();
  EXPECT_EQ(outcome.code(), std::make_error_code(std::errc::no_space_on_device));
  log->finish_snapshot(outcome);
  EXPECT_FALSE(log->snapshot_due(0));  // not again at once
  EXPECT_FALSE(std::filesystem::exists(snapshot_temp_path(directory_, 30)));
  EXPECT_EQ(wal_files().size(), 2u);  // the rotated log and the new one

  put(*log, "more", std::string(1100, 'v'));
  ASSERT_FALSE(log->flush().failed_after);
  EXPECT_TRUE(log->snapshot_due(0));
  log.reset();
  ASSERT_TRUE(open_log(options()));
  EXPECT_EQ(recovered_, model_);
}

TEST_F(PartitionLogTest, PartitionsRecoverInParallel) {
  constexpr std::size_t kPartitions = 6;
  std::vector<partition_log_options> all;
  for (std::size_t id = 0; id < kPartitions; ++id) {
    partition_log_options opts = options();
    opts.directory = partition_directory(dir_.path(), id);
    all.push_back(opts);
    recovery_report report;
    auto log = partition_log::open(
        opts, [](wal_record&&) {}, report);
    ASSERT_TRUE(log.ok());
    for (std::size_t seq = 1; seq <= id + 1; ++seq) {
      ASSERT_TRUE(log.value().append({wal_op::put, seq, seq, "k", "v"}).ok());
    }
    ASSERT_FALSE(log.value().flush().failed_after);
  }
  std::vector<std::uint64_t> last_seqs(kPartitions);
  std::vector<std::size_t> replayed(kPartitions);
  run_parallel(kPartitions, 4, [&](std::size_t id) {
    recovery_report report;
    auto log = partition_log::open(
        all[id], [&](wal_record&&) { ++replayed[id]; }, report);
    last_seqs[id] = log.ok() ? report.last_seq : 0;
  });
  for (std::size_t id = 0; id < kPartitions; ++id) {
    EXPECT_EQ(last_seqs[id], id + 1);
    EXPECT_EQ(replayed[id], id + 1);
  }
}

TEST_F(PartitionLogTest, IoPoolRunsEveryPostedJobBeforeItStops) {
  std::atomic<int> done{0};
  {
    io_pool pool(3);
    for (int i = 0; i < 100; ++i) pool.post([&done] { ++done; });
  }
  EXPECT_EQ(done, 100);
}

TEST_F(PartitionLogTest, FileNamesSortAsNumbersAndStrayFilesAreIgnored) {
  std::filesystem::create_directories(directory_);
  for (const std::uint64_t seq : {100u, 9u, 10u}) write_file(wal_path(directory_, seq), "");
  write_file(snapshot_path(directory_, 7), "");
  write_file(snapshot_temp_path(directory_, 8), "");
  write_file(directory_ / "wal-1.log", "");  // not 20 digits
  write_file(directory_ / "notes.txt", "");
  auto listed = list_partition_files(directory_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed.value().wal_files.size(), 3u);
  EXPECT_EQ(listed.value().wal_files[0].seq, 9u);
  EXPECT_EQ(listed.value().wal_files[2].seq, 100u);
  EXPECT_EQ(wal_path(directory_, 9).filename(), "wal-00000000000000000009.log");
  ASSERT_EQ(listed.value().snapshots.size(), 1u);
  EXPECT_EQ(listed.value().interrupted_snapshots.size(), 1u);
}

}  // namespace
}  // namespace kv::storage
