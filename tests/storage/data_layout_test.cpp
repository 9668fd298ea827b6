// The LAYOUT file: written with every partition directory on first use, accepted when it
// matches, refused when it does not, and missing data (LAYOUT or a partition) refused until
// repair.
#include "storage/data_layout.hpp"

#include <gtest/gtest.h>

#include "storage/partition_files.hpp"
#include "tests/storage/storage_test_support.hpp"

namespace kv::storage {
namespace {

using testing::read_file;
using testing::temp_dir;

TEST(DataLayoutTest, DescribesEveryPartitionsFirstKeyInHex) {
  EXPECT_EQ(describe_layout(routing_table::equal_width(2)), "partitions 2: - 80");
  EXPECT_EQ(describe_layout(routing_table::from_split_points({"g", "n"})), "partitions 3: - 67 6e");
}

TEST(DataLayoutTest, TheFirstStartWritesItAndLaterStartsWithTheSameLayoutPass) {
  temp_dir dir;
  const auto data_dir = dir.path() / "data";
  const auto table = routing_table::equal_width(4);
  auto first = check_data_layout(data_dir, table, false);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(first.value().empty());
  EXPECT_EQ(read_file(data_dir / "LAYOUT"), describe_layout(table) + "\n");
  EXPECT_FALSE(std::filesystem::exists(data_dir / "LAYOUT.tmp"));
  for (std::size_t id = 0; id < 4; ++id) {
    EXPECT_TRUE(std::filesystem::is_directory(partition_directory(data_dir, id)));
  }
  auto again = check_data_layout(data_dir, table, false);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_TRUE(again.value().empty());
}

TEST(DataLayoutTest, OtherEntriesDoNotMakeADirectoryOld) {
  temp_dir dir;
  std::filesystem::create_directory(dir.path() / "lost+found");
  std::filesystem::create_directory(dir.path() / "partition-x");
  testing::write_file(dir.path() / "partition-1", "a file, not a partition");
  EXPECT_TRUE(check_data_layout(dir.path(), routing_table::equal_width(1), false).ok());
}

TEST(DataLayoutTest, AnotherLayoutIsRefusedNamingTheFileAndBothLayouts) {
  temp_dir dir;
  const std::string written = describe_layout(routing_table::equal_width(4));
  ASSERT_TRUE(check_data_layout(dir.path(), routing_table::equal_width(4), false).ok());
  const std::string asked = describe_layout(routing_table::equal_width(2));
  for (const bool repair : {false, true}) {
    auto refused = check_data_layout(dir.path(), routing_table::equal_width(2), repair);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), std::errc::invalid_argument);
    const std::string& message = refused.error().message();
    EXPECT_NE(message.find((dir.path() / "LAYOUT").string()), std::string::npos);
    EXPECT_NE(message.find(written), std::string::npos);
    EXPECT_NE(message.find(asked), std::string::npos);
  }
  EXPECT_EQ(read_file(dir.path() / "LAYOUT"), written + "\n");  // left as it was
}

TEST(DataLayoutTest, AMissingPartitionDirectoryIsRefusedUntilRepairCreatesIt) {
  temp_dir dir;
  const auto table = routing_table::equal_width(4);
  ASSERT_TRUE(check_data_layout(dir.path(), table, false).ok());
  const auto missing = partition_directory(dir.path(), 2);
  std::filesystem::remove(missing);

  auto refused = check_data_layout(dir.path(), table, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), make_error_code(storage_errc::corruption));
  EXPECT_NE(refused.error().message().find(missing.string()), std::string::npos);
  EXPECT_NE(refused.error().message().find("--repair"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(missing));

  auto repaired = check_data_layout(dir.path(), table, true);
  ASSERT_TRUE(repaired.ok()) << repaired.error().message();
  ASSERT_EQ(repaired.value().size(), 1u);
  EXPECT_NE(repaired.value()[0].find(missing.string()), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_directory(missing));
  EXPECT_TRUE(check_data_layout(dir.path(), table, false).ok());
}

TEST(DataLayoutTest, AMissingLayoutIsRefusedUntilRepairWritesItForTheSamePartitions) {
  temp_dir dir;
  const auto table = routing_table::equal_width(4);
  ASSERT_TRUE(check_data_layout(dir.path(), table, false).ok());
  std::filesystem::remove(dir.path() / "LAYOUT");

  auto refused = check_data_layout(dir.path(), table, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), make_error_code(storage_errc::corruption));
  EXPECT_NE(refused.error().message().find("LAYOUT"), std::string::npos);
  EXPECT_NE(refused.error().message().find("--repair"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "LAYOUT"));

  auto repaired = check_data_layout(dir.path(), table, true);
  ASSERT_TRUE(repaired.ok()) << repaired.error().message();
  EXPECT_EQ(repaired.value().size(), 1u);
  EXPECT_EQ(read_file(dir.path() / "LAYOUT"), describe_layout(table) + "\n");
}

TEST(DataLayoutTest, AMissingLayoutIsNotRepairedForOtherPartitions) {
  temp_dir dir;
  ASSERT_TRUE(check_data_layout(dir.path(), routing_table::equal_width(4), false).ok());
  std::filesystem::remove(dir.path() / "LAYOUT");
  for (const std::size_t count : {2, 8}) {
    auto refused = check_data_layout(dir.path(), routing_table::equal_width(count), true);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), std::errc::invalid_argument);
    EXPECT_NE(refused.error().message().find("partition-3"), std::string::npos)
        << refused.error().message();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "LAYOUT"));
  EXPECT_FALSE(std::filesystem::exists(partition_directory(dir.path(), 4)));
}

}  // namespace
}  // namespace kv::storage
