// The LAYOUT file: written on first use, accepted when it matches, refused when it does not.
#include "storage/data_layout.hpp"

#include <gtest/gtest.h>

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
  const std::string layout = describe_layout(routing_table::equal_width(4));
  ASSERT_TRUE(check_data_layout(data_dir, layout).ok());
  EXPECT_EQ(read_file(data_dir / "LAYOUT"), layout + "\n");
  EXPECT_FALSE(std::filesystem::exists(data_dir / "LAYOUT.tmp"));
  EXPECT_TRUE(check_data_layout(data_dir, layout).ok());
}

TEST(DataLayoutTest, AnotherLayoutIsRefusedNamingTheFileAndBothLayouts) {
  temp_dir dir;
  const std::string written = describe_layout(routing_table::equal_width(4));
  ASSERT_TRUE(check_data_layout(dir.path(), written).ok());
  const std::string asked = describe_layout(routing_table::equal_width(2));
  const status refused = check_data_layout(dir.path(), asked);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), std::errc::invalid_argument);
  EXPECT_NE(refused.message().find((dir.path() / "LAYOUT").string()), std::string::npos);
  EXPECT_NE(refused.message().find(written), std::string::npos);
  EXPECT_NE(refused.message().find(asked), std::string::npos);
  EXPECT_EQ(read_file(dir.path() / "LAYOUT"), written + "\n");  // left as it was
}

}  // namespace
}  // namespace kv::storage
