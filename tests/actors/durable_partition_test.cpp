// Partitions with a write-ahead log in a temp dir, through store_api: what is acknowledged is
// recovered by the next runtime, and a write the log fails is answered empty (503) and undone.
#include <gtest/gtest.h>

#include <future>

#include "actors/store_runtime.hpp"
#include "storage/partition_files.hpp"
#include "tests/actors/store_calls.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace kv {
namespace {

using storage::testing::fault_plan;
using storage::testing::faulty_opener;
using storage::testing::temp_dir;

class DurablePartitionTest : public ::testing::Test {
 protected:
  // A runtime of two partitions (keys below "n" and from "n" on) over the temp dir, recovered.
  std::unique_ptr<store_runtime> open(storage::fsync_mode fsync,
                                      std::uint64_t snapshot_min_log_bytes = 16 << 20) {
    durability_options durability;
    durability.data_dir = data_dir_;
    durability.fsync = fsync;
    durability.snapshot_log_multiple = 1;
    durability.snapshot_min_log_bytes = snapshot_min_log_bytes;
    durability.open_file = faulty_opener(faults_);
    auto runtime = std::make_unique<store_runtime>(store_runtime_options{
        routing_table::from_split_points({"n"}), 2, 2, std::chrono::milliseconds(5000),
        std::move(durability), std::nullopt});
    auto recovered = runtime->recover();
    EXPECT_TRUE(recovered.ok()) << recovered.error().message();
    if (recovered.ok()) summary_ = recovered.value();
    return runtime;
  }

  static std::optional<put_outcome> put(store_runtime& runtime, const std::string& key,
                                        const std::string& value) {
    return await<put_outcome>([&](auto done) {
      runtime.api().put(key, text(value), value_type::bytes, std::nullopt, std::move(done));
    });
  }
  static std::optional<delete_outcome> erase(store_runtime& runtime, const std::string& key) {
    return await<delete_outcome>(
        [&](auto done) { runtime.api().erase(key, std::nullopt, std::move(done)); });
  }
  static stored_value get(store_runtime& runtime, const std::string& key) {
    return *await<stored_value>([&](auto done) { runtime.api().get(key, std::move(done)); });
  }
  static std::optional<std::size_t> put_all(store_runtime& runtime, key_value_list pairs) {
    return await<std::size_t>(
        [&](auto done) { runtime.api().put_all(std::move(pairs), std::move(done)); });
  }

  static void expect_value(store_runtime& runtime, const std::string& key, const std::string& value,
                           std::uint64_t version) {
    const stored_value found = get(runtime, key);
    ASSERT_TRUE(found.value) << key << " is missing";
    EXPECT_EQ(found.value.view(), value) << key;
    EXPECT_EQ(found.version, version) << key;
  }

  temp_dir dir_;
  std::filesystem::path data_dir_ = dir_.path();
  std::shared_ptr<fault_plan> faults_ = std::make_shared<fault_plan>();
  recovery_summary summary_;
};

TEST_F(DurablePartitionTest, AcknowledgedWritesAndDeletesAreRecoveredWithTheirVersions) {
  for (const auto& [fsync, name] : {std::pair{storage::fsync_mode::always, "always"},
                                    std::pair{storage::fsync_mode::everysec, "everysec"},
                                    std::pair{storage::fsync_mode::no, "no"}}) {
    SCOPED_TRACE(name);
    data_dir_ = dir_.path() / name;
    {
      auto runtime = open(fsync);
      ASSERT_EQ(put(*runtime, "apple", "a1")->version, 1u);
      ASSERT_EQ(put(*runtime, "apple", "a2")->version, 2u);
      ASSERT_EQ(put(*runtime, "zebra", "z1")->version, 1u);
      ASSERT_EQ(put(*runtime, "gone", "g1")->version, 1u);
      ASSERT_TRUE(erase(*runtime, "gone")->deleted);
      ASSERT_EQ(put_all(*runtime, {{"batch-a", text("b")}, {"queen", text("q")}}), 2u);
    }  // no sync_logs(): only what the partitions wrote by themselves
    auto runtime = open(fsync);
    expect_value(*runtime, "apple", "a2", 2);
    expect_value(*runtime, "zebra", "z1", 1);
    expect_value(*runtime, "batch-a", "b", 1);
    expect_value(*runtime, "queen", "q", 1);
    EXPECT_FALSE(get(*runtime, "gone").value);
    EXPECT_EQ(summary_.keys, 4u);
    EXPECT_EQ(summary_.last_rev, 7u);  // one per change, summed over both partitions
    ASSERT_EQ(put(*runtime, "apple", "a3")->version, 3u);
  }
}

TEST_F(DurablePartitionTest, AFailedWriteIsAnsweredEmptyAndTakenBackAndTheLogGoesOn) {
  auto runtime = open(storage::fsync_mode::no);
  ASSERT_EQ(put(*runtime, "apple", "a1")->version, 1u);
  faults_->write_error = ENOSPC;
  EXPECT_FALSE(put(*runtime, "apple", "a2"));
  EXPECT_FALSE(put(*runtime, "banana", "b1"));
  EXPECT_FALSE(erase(*runtime, "apple"));
  EXPECT_FALSE(put_all(*runtime, {{"cherry", text("c")}, {"apple", text("a9")}}));
  expect_value(*runtime, "apple", "a1", 1);
  EXPECT_FALSE(get(*runtime, "banana").value);
  EXPECT_FALSE(get(*runtime, "cherry").value);

  faults_->write_error = 0;
  ASSERT_EQ(put(*runtime, "apple", "a2")->version, 2u);
  runtime.reset();
  runtime = open(storage::fsync_mode::no);
  expect_value(*runtime, "apple", "a2", 2);
  EXPECT_FALSE(get(*runtime, "banana").value);
  EXPECT_FALSE(get(*runtime, "cherry").value);
  EXPECT_EQ(summary_.last_rev, 2u);  // the failed changes left no seq behind
}

TEST_F(DurablePartitionTest, AFailedFsyncBreaksTheLogForWritesButNotForReads) {
  auto runtime = open(storage::fsync_mode::always);
  ASSERT_EQ(put(*runtime, "apple", "a1")->version, 1u);
  faults_->sync_error = EIO;
  EXPECT_FALSE(put(*runtime, "apple", "a2"));
  expect_value(*runtime, "apple", "a1", 1);
  faults_->sync_error = 0;
  EXPECT_FALSE(put(*runtime, "apple", "a3"));  // broken until a restart recovers
  EXPECT_FALSE(put_all(*runtime, {{"banana", text("b")}}));
  expect_value(*runtime, "apple", "a1", 1);
  EXPECT_TRUE(put(*runtime, "zebra", "z1"));  // the other partition's log is fine
  EXPECT_FALSE(runtime->sync_logs());

  runtime.reset();
  runtime = open(storage::fsync_mode::always);
  // a2 reached the file before its fsync failed: like a write in flight at a crash, it may
  // or may not be there after the restart, but only as a whole and with its own version.
  const stored_value apple = get(*runtime, "apple");
  ASSERT_TRUE(apple.value);
  EXPECT_EQ(apple.value.view(), apple.version == 1 ? "a1" : "a2");
  expect_value(*runtime, "zebra", "z1", 1);
  ASSERT_EQ(put(*runtime, "apple", "a3")->version, apple.version + 1);
}

TEST_F(DurablePartitionTest, SnapshotsTakenWhileWritingLoseNothing) {
  constexpr int writes = 3000;
  {
    auto runtime = open(storage::fsync_mode::no, /*snapshot_min_log_bytes=*/4096);
    for (int i = 0; i < writes; ++i) {
      ASSERT_TRUE(put(*runtime, "key" + std::to_string(i % 500), "value" + std::to_string(i)));
    }
    ASSERT_TRUE(runtime->sync_logs());
  }
  auto listed = storage::list_partition_files(storage::partition_directory(dir_.path(), 0));
  ASSERT_TRUE(listed.ok());
  EXPECT_FALSE(listed.value().snapshots.empty());

  auto runtime = open(storage::fsync_mode::no);
  for (int i = writes - 500; i < writes; ++i) {
    expect_value(*runtime, "key" + std::to_string(i % 500), "value" + std::to_string(i),
                 static_cast<std::uint64_t>(i / 500 + 1));
  }
  EXPECT_EQ(summary_.keys, 500u);
  EXPECT_EQ(summary_.last_rev, static_cast<std::uint64_t>(writes));
}

}  // namespace
}  // namespace kv
