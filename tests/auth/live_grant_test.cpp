// live_grant: a stream's grant follows reloads of the tokens file: same rules while nothing
// changed, the new rules of the same token after a reload, nothing once the token is gone.
#include "auth/live_grant.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "auth/token_hash.hpp"

namespace kv::auth {
namespace {

const std::string stream_token = "stream-token-1";

std::string entry(const std::string& name, const std::string& token, const std::string& prefix) {
  return "[[token]]\nname = \"" + name + "\"\nsha256 = \"" + hex_of(sha256_of(token)) +
         "\"\nrules = [{prefix = \"" + prefix + "\", access = \"read\"}]\n";
}

class LiveGrantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("live_grant_test_" + std::to_string(::getpid()) + ".toml"))
                .string();
    write(entry("stream", stream_token, "a/") + entry("other", "other-token", ""));
    registry_ = std::make_shared<token_registry>(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

  live_grant authenticated() {
    auto set = registry_->current();
    const token_grant* grant = set->find(stream_token);
    EXPECT_NE(grant, nullptr);
    return live_grant(registry_, std::shared_ptr<const token_grant>(std::move(set), grant));
  }

  std::string path_;
  std::shared_ptr<token_registry> registry_;
};

TEST_F(LiveGrantTest, KeepsTheRulesWhileNothingIsReloaded) {
  live_grant grant = authenticated();
  ASSERT_NE(grant.current(), nullptr);
  EXPECT_TRUE(grant.current()->may_read("a/1"));
  EXPECT_FALSE(grant.current()->may_read("b/1"));
}

TEST_F(LiveGrantTest, TakesTheSameTokensNewRulesAfterAReload) {
  live_grant grant = authenticated();
  write(entry("other", "other-token", "") + entry("stream", stream_token, "b/"));
  ASSERT_EQ(registry_->reload(), std::nullopt);
  ASSERT_NE(grant.current(), nullptr);
  EXPECT_EQ(grant.current()->name, "stream");
  EXPECT_FALSE(grant.current()->may_read("a/1"));
  EXPECT_TRUE(grant.current()->may_read("b/1"));
}

TEST_F(LiveGrantTest, IsGoneOnceAReloadRemovedTheTokenAndStaysGone) {
  live_grant grant = authenticated();
  write(entry("other", "other-token", ""));
  ASSERT_EQ(registry_->reload(), std::nullopt);
  EXPECT_EQ(grant.current(), nullptr);
  write(entry("stream", stream_token, "a/"));
  ASSERT_EQ(registry_->reload(), std::nullopt);
  EXPECT_EQ(grant.current(), nullptr);  // the stream has ended by then; a new one authenticates
}

TEST_F(LiveGrantTest, AFileThatCannotBeUsedChangesNothing) {
  live_grant grant = authenticated();
  write("not toml [");
  EXPECT_NE(registry_->reload(), std::nullopt);
  ASSERT_NE(grant.current(), nullptr);
  EXPECT_TRUE(grant.current()->may_read("a/1"));
}

}  // namespace
}  // namespace kv::auth
