// The restore without a database: rows applied in rev order give each key its last value,
// version, type and deadline, deletes and expiries leave it absent, holes are found, and the
// data directory written is what the normal recovery reads, at the rev the table reached.
#include "sinks/restore.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "storage/partition_files.hpp"
#include "storage/recovery.hpp"

namespace kv::changelog {
namespace {

stored_change put(std::uint64_t rev, std::string key, std::string value, std::uint64_t version,
                  std::string type = "bytes", std::int64_t expires_at_ms = 0) {
  return {rev, "put", std::move(key), std::move(type), std::move(value), version, expires_at_ms};
}

stored_change removal(std::uint64_t rev, std::string op, std::string key) {
  return {rev, std::move(op), std::move(key), std::nullopt, std::nullopt, 1, 0};
}

class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kv_restore_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(RestoreTest, TheLastRowOfEachKeyWins) {
  restore_builder built(routing_table::equal_width(2));
  built.apply(put(1, "a", "one", 1));
  built.apply(put(2, "a", "two", 2));
  built.apply(put(3, "n", "5", 1, "int", 1'900'000'000'000));
  built.apply(put(4, "gone", "x", 1));
  built.apply(removal(5, "delete", "gone"));
  built.apply(put(6, "ttl", "x", 1, "bytes", 1000));
  built.apply(removal(7, "expire", "ttl"));
  built.apply(put(8, "s", R"(["b","a"])", 4, "set"));
  EXPECT_EQ(built.rows(), 8u);
  EXPECT_EQ(built.last_rev(), 8u);
  EXPECT_EQ(built.missing(), 0u);
  EXPECT_EQ(built.keys(), 3u);
  const auto& low = built.store(0);  // "a" .. "n" are below 0x80
  const read_value a = low.read("a");
  EXPECT_EQ(a.value.view(), "two");
  EXPECT_EQ(a.version, 2u);
  const read_value n = low.read("n");
  EXPECT_EQ(n.type, value_type::int64);
  EXPECT_EQ(n.expires_at_ms, 1'900'000'000'000);
  EXPECT_EQ(low.read("s").value.view(), R"(["a","b"])");
  EXPECT_FALSE(low.read("gone").value);
  EXPECT_FALSE(low.read("ttl", true).value);
}

TEST_F(RestoreTest, HolesInTheRevsAreFoundAndMakeUpTheSeqs) {
  restore_builder built(routing_table::equal_width(2));
  built.apply(put(1, "a", "x", 1));
  built.apply(put(5, "b", "x", 1));
  built.apply(put(6, "\xc3\xa9", "x", 1));  // partition 1
  built.apply(put(9, "c", "x", 1));
  ASSERT_EQ(built.holes().size(), 2u);
  EXPECT_EQ(built.holes()[0], (rev_range{2, 4}));
  EXPECT_EQ(built.holes()[1], (rev_range{7, 8}));
  EXPECT_EQ(built.missing(), 5u);
  EXPECT_EQ(describe_holes(built.holes()), "revs 2 to 4, 7 to 8");
  EXPECT_EQ(describe_holes(built.holes(), 1), "revs 2 to 4 and 1 more");
  const auto seqs = built.partition_seqs();
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{3 + 5, 1}));  // the sum is the last rev
}

TEST_F(RestoreTest, BadRowsAreRefusedNamingTheirRev) {
  restore_builder built(routing_table::equal_width(1));
  built.apply(put(1, "a", "x", 1));
  EXPECT_THROW(built.apply(put(1, "a", "x", 2)), restore_error);
  EXPECT_THROW(built.apply(removal(2, "truncate", "a")), restore_error);
  EXPECT_THROW(built.apply(put(3, "a", "x", 1, "matrix")), restore_error);
  try {
    built.apply(put(4, "a", "not a number", 1, "int"));
    FAIL();
  } catch (const restore_error& error) {
    EXPECT_NE(std::string(error.what()).find("rev 4"), std::string::npos) << error.what();
  }
  stored_change no_value = put(5, "a", "", 1);
  no_value.value.reset();
  EXPECT_THROW(built.apply(std::move(no_value)), restore_error);
}

TEST_F(RestoreTest, OnlyAnEmptyOrMissingDirectoryIsATarget) {
  EXPECT_FALSE(restore_target_problem(dir_));
  std::filesystem::create_directories(dir_);
  EXPECT_FALSE(restore_target_problem(dir_));
  std::ofstream(dir_ / "LAYOUT") << "x";
  const auto problem = restore_target_problem(dir_);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("not empty"), std::string::npos);
}

TEST_F(RestoreTest, TheDataDirectoryRecoversAtTheTablesRev) {
  restore_builder built(routing_table::equal_width(2));
  built.apply(put(1, "a", "one", 1));
  built.apply(put(2, "a", "two", 2, "bytes", 1'900'000'000'000));
  built.apply(put(3, "\xc3\xa9t\xc3\xa9", "1.5", 1, "float"));
  built.apply(put(4, "b", "x", 1));
  built.apply(removal(5, "delete", "b"));
  ASSERT_TRUE(write_restored_data_dir(dir_, built).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / restoring_marker));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "LAYOUT"));

  std::uint64_t last_rev = 0;
  std::map<std::string, storage::wal_record> recovered;
  for (std::size_t id = 0; id < 2; ++id) {
    auto partition = storage::recover_partition(
        storage::partition_directory(dir_, id), false,
        [&](storage::wal_record&& record) { recovered[record.key] = std::move(record); });
    ASSERT_TRUE(partition.ok()) << partition.error().message();
    last_rev += partition.value().report.last_seq;
  }
  EXPECT_EQ(last_rev, 5u);
  ASSERT_EQ(recovered.size(), 2u);
  EXPECT_EQ(recovered["a"].value, "two");
  EXPECT_EQ(recovered["a"].version, 2u);
  EXPECT_EQ(recovered["a"].expires_at_ms, 1'900'000'000'000);
  EXPECT_EQ(recovered["\xc3\xa9t\xc3\xa9"].type, value_type::float64);
}

}  // namespace
}  // namespace kv::changelog
