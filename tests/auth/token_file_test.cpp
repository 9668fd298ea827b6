// The tokens file: what loads, each way it can be wrong (one message naming the file), and
// the registry's reload that keeps the old tokens when the new file is bad.
#include "auth/token_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "auth/token_registry.hpp"

namespace kv::auth {
namespace {

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kv_token_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "tokens.toml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

  // The error message of loading the file, or "" when it loads.
  std::string load_error() {
    try {
      load_token_file(path_);
      return "";
    } catch (const token_file_error& error) {
      return error.what();
    }
  }

  static std::string token_entry(const std::string& name, const std::string& token,
                                 const std::string& rules) {
    return "[[token]]\nname = \"" + name + "\"\nsha256 = \"" + hex_of(sha256_of(token)) +
           "\"\nrules = " + rules + "\n";
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(TokenFileTest, LoadsEveryTokenWithItsRules) {
  write(token_entry("app", "tok-app", R"([{prefix = "app/", access = "write"}])") +
        token_entry("ops", "tok-ops",
                    R"([{prefix = "metrics", access = "read"}, {prefix = "", access = "read"}])"));
  const auto tokens = load_token_file(path_);
  ASSERT_EQ(tokens->size(), 2u);
  const auto* app = tokens->find("tok-app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->name, "app");
  EXPECT_TRUE(app->may_write("app/1"));
  EXPECT_FALSE(app->may_read("b"));
  const auto* ops = tokens->find("tok-ops");
  ASSERT_NE(ops, nullptr);
  EXPECT_TRUE(ops->may_read_metrics());
  EXPECT_FALSE(ops->may_write("app/1"));
}

TEST_F(TokenFileTest, EachProblemIsOneLineNamingTheFile) {
  const std::string good_rules = R"([{prefix = "a", access = "read"}])";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[[token]\nname =", "line"},
      {"", "at least one [[token]]"},
      {token_entry("a", "t", R"([{prefix = "a", access = "admin"}])"), "\"admin\""},
      {token_entry("a", "t", "[]"), "rules must be a non-empty array"},
      {token_entry("a", "t", R"([{prefix = "a"}])"), "access must be a string"},
      {token_entry("a", "t", R"([{access = "read"}])"), "prefix must be a string"},
      {token_entry("a", "t", R"([{prefix = "a", access = "read", extra = 1}])"), "`extra`"},
      {"[[token]]\nname = \"a\"\nsha256 = \"abc\"\nrules = " + good_rules, "64 hex digits"},
      {"[[token]]\nname = \"a\"\ntoken = \"plain\"\nrules = " + good_rules, "`token`"},
      {token_entry("a", "t1", good_rules) + token_entry("a", "t2", good_rules), "twice"},
      {token_entry("a", "t", good_rules) + token_entry("b", "t", good_rules), "same sha256"},
      {"[auth]\nx = 1\n", "`auth`"},
  };
  for (const auto& [text, expected] : cases) {
    write(text);
    const std::string error = load_error();
    EXPECT_NE(error.find(path_), std::string::npos) << text << "\n-> " << error;
    EXPECT_NE(error.find(expected), std::string::npos) << text << "\n-> " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST_F(TokenFileTest, MissingFileNamesIt) {
  const std::string error = load_error();
  EXPECT_NE(error.find(path_), std::string::npos) << error;
}

TEST_F(TokenFileTest, ReloadSwapsInANewFileAndKeepsTheOldOnABadOne) {
  write(token_entry("first", "tok-1", R"([{prefix = "", access = "read"}])"));
  token_registry registry(path_);
  const auto before = registry.current();
  EXPECT_NE(before->find("tok-1"), nullptr);

  write(token_entry("second", "tok-2", R"([{prefix = "", access = "read"}])"));
  EXPECT_EQ(registry.reload(), std::nullopt);
  EXPECT_EQ(registry.current()->find("tok-1"), nullptr);
  EXPECT_NE(registry.current()->find("tok-2"), nullptr);
  // A request that took the old set still holds it whole.
  EXPECT_NE(before->find("tok-1"), nullptr);

  write("not toml at all [[[");
  const auto problem = registry.reload();
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find(path_), std::string::npos);
  EXPECT_NE(registry.current()->find("tok-2"), nullptr);
}

}  // namespace
}  // namespace kv::auth
