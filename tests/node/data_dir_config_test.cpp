// node.data_dir is checked before the node writes anything: a file, a path through a file and
// a directory the node cannot write to are refused with one line naming the key and the path.
#include "node/data_dir_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kv {
namespace {

class DataDirConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kvactor-data-dir-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add);
    std::filesystem::remove_all(dir_);
  }

  std::string regular_file() {
    const std::filesystem::path path = dir_ / "a-file";
    std::ofstream(path) << "x";
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(DataDirConfigTest, AMissingDirectoryIsCreated) {
  const std::filesystem::path data_dir = dir_ / "a" / "b";
  EXPECT_EQ(data_dir_problem(data_dir.string()), std::nullopt);
  EXPECT_TRUE(std::filesystem::is_directory(data_dir));
}

TEST_F(DataDirConfigTest, AnExistingDirectoryIsAccepted) {
  EXPECT_EQ(data_dir_problem(dir_.string()), std::nullopt);
}

TEST_F(DataDirConfigTest, ARegularFileIsNotADirectory) {
  const std::string file = regular_file();
  EXPECT_EQ(data_dir_problem(file), "node.data_dir \"" + file + "\": not a directory");
}

TEST_F(DataDirConfigTest, APathThroughARegularFileCannotBeCreated) {
  const std::string inside = regular_file() + "/data";
  const auto problem = data_dir_problem(inside);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->rfind("node.data_dir \"" + inside + "\": cannot be created: ", 0), 0u)
      << *problem;
}

TEST_F(DataDirConfigTest, AReadOnlyDirectoryIsNotWritable) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into any directory";
  const std::filesystem::path read_only = dir_ / "read-only";
  std::filesystem::create_directory(read_only);
  std::filesystem::permissions(
      read_only, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  const auto problem = data_dir_problem(read_only.string());
  std::filesystem::permissions(read_only, std::filesystem::perms::owner_all);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("not writable"), std::string::npos) << *problem;
}

TEST_F(DataDirConfigTest, ControlCharactersInThePathStayOnOneLine) {
  const std::string file = (dir_ / "line\nbreak").string();
  std::ofstream(file) << "x";
  const auto problem = data_dir_problem(file);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->find('\n'), std::string::npos) << *problem;
  EXPECT_NE(problem->find("line\\x0Abreak"), std::string::npos) << *problem;
}

}  // namespace
}  // namespace kv
