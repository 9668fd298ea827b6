// Choosing a dialect (contract section 9): the flag and the config key, an unknown name, the
// --help list, and the default that keeps contract section 2 without the seed keys.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/dialect_wire.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

TEST(DialectSelectionTest, UnknownDialectExitsTwoWithOneLine) {
  const RunResult run = run_kvnode({"--dialect", "flask"});
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe();
  const auto lines = non_empty_lines(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_NE(lines[0].find("--dialect"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"flask\""), std::string::npos) << lines[0];
}

TEST(DialectSelectionTest, UnknownDialectInTheConfigFileExitsTwo) {
  TempDir dir;
  const std::string path = dir.write_file("kvnode.toml", "[compat]\ndialect = \"redis\"\n");
  const RunResult run = run_kvnode({"--config", path});
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe();
  EXPECT_NE(run.stderr_text.find("compat.dialect"), std::string::npos) << run.stderr_text;
}

TEST(DialectSelectionTest, HelpListsEveryDialect) {
  const RunResult run = run_kvnode({"--help"});
  EXPECT_TRUE(run.status.exited_with(0)) << run.status.describe();
  for (const std::string name :
       {"--dialect", "kvactor", "bernata", "importhuman", "agathemmanuel"}) {
    EXPECT_NE(run.stdout_text.find(name), std::string::npos) << name << "\n" << run.stdout_text;
  }
}

class ConfigFileDialectTest : public FreshNodeTest {
 protected:
  std::vector<std::string> node_args() override {
    return {"--config", dir_.write_file("kvnode.toml", "[compat]\ndialect = \"bernata\"\n")};
  }
  TempDir dir_;
};

TEST_F(ConfigFileDialectTest, TheConfigKeySelectsTheDialect) {
  EXPECT_TRUE(IsWire(send_wire(node().http_port(), wire_request("GET", "/v1/ping")), 200,
                     "text/plain; charset=utf-8", "OK"));
}

class DefaultDialectTest : public FreshNodeTest {};

TEST_F(DefaultDialectTest, TheSharedPathsKeepContractSectionTwoAndNoKeysAreSeeded) {
  EXPECT_TRUE(IsJsonReply(kv().get("/"), 200, nlohmann::json::object()));
  EXPECT_TRUE(IsMissingKeyReply(kv().get("/get/abc-1"), "abc-1"));
  EXPECT_TRUE(
      IsJsonReply(kv().post_json("/set", R"({"key":"k","value":"v"})"), 200, {{"written", 2}}));
  EXPECT_TRUE(IsValueReply(kv().get_key("key"), "k", 1));
}

}  // namespace
}  // namespace kvtest
