// kvctl's typed-value commands against a real kvnode: put --type, incr, sadd, srem, hset, hget,
// hdel, smembers and sismember, with their output, --json and exit statuses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/kvctl_runner.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

::testing::AssertionResult Printed(const KvctlResult& result, const std::string& out) {
  if (result.status.exited_with(0) && result.out == out && result.err.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected exit 0 and stdout [" << out << "], got " << result.describe();
}

::testing::AssertionResult Failed(const KvctlResult& result, int code,
                                  const std::string& err_start) {
  if (result.status.exited_with(code) && result.out.empty() && result.err.starts_with(err_start) &&
      result.err.ends_with('\n')) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected exit " << code << " and stderr starting ["
                                       << err_start << "], got " << result.describe();
}

class KvctlTypedTest : public SharedNodeTest<KvctlTypedTest> {
 protected:
  KvctlResult kvctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--url", "http://" + node().host() + ":" + std::to_string(node().http_port())});
    return run_kvctl(args);
  }
};

TEST_F(KvctlTypedTest, PutWithATypeStoresThatType) {
  const std::string key = test_key("n");
  EXPECT_TRUE(Printed(kvctl({"put", key, "0042", "--type", "int"}),
                      "created `" + key + "` at version 1\n"));
  const Reply reply = kv().get_key(key);
  EXPECT_EQ(reply.body, "42");
  EXPECT_EQ(reply.header("X-Kv-Type"), "int");
  EXPECT_TRUE(Printed(kvctl({"get", key}), "42"));
  EXPECT_EQ(nlohmann::json::parse(kvctl({"--json", "get", key}).out),
            nlohmann::json({{"key", key}, {"value", "NDI="}, {"version", 1}, {"type", "int"}}));
  EXPECT_TRUE(Failed(kvctl({"put", key, "x", "--type", "int"}), 1, "ERROR: "));
  EXPECT_TRUE(Failed(kvctl({"put", key, "1", "--type", "integer"}), 2, "ERROR: "));
}

TEST_F(KvctlTypedTest, IncrPrintsTheNewValue) {
  const std::string key = test_key("count");
  EXPECT_TRUE(Printed(kvctl({"incr", key}), "1\n"));
  EXPECT_TRUE(Printed(kvctl({"incr", key, "41"}), "42\n"));
  EXPECT_TRUE(Printed(kvctl({"incr", key, "-50"}), "-8\n"));
  const auto json = nlohmann::json::parse(kvctl({"--json", "incr", key}).out);
  EXPECT_EQ(json, nlohmann::json({{"key", key}, {"version", 4}, {"type", "int"}, {"value", "-7"}}));
  const std::string real = test_key("real");
  EXPECT_TRUE(Printed(kvctl({"incr", real, "2.5", "--type", "float"}), "2.5\n"));
  EXPECT_TRUE(Failed(kvctl({"incr", key, "x"}), 1, "ERROR: "));
  EXPECT_TRUE(Failed(kvctl({"incr", key, "1", "2"}), 2, "ERROR: "));
}

TEST_F(KvctlTypedTest, SetCommands) {
  const std::string key = test_key("set");
  EXPECT_TRUE(
      Printed(kvctl({"sadd", key, "b", "a", "caf\xC3\xA9"}), "[\"a\",\"b\",\"caf\xC3\xA9\"]\n"));
  EXPECT_TRUE(Printed(kvctl({"srem", key, "b"}), "[\"a\",\"caf\xC3\xA9\"]\n"));
  EXPECT_TRUE(Printed(kvctl({"smembers", key}), "a\ncaf\xC3\xA9\n"));
  EXPECT_TRUE(Printed(kvctl({"--json", "smembers", key}), "[\"a\",\"caf\xC3\xA9\"]\n"));
  EXPECT_TRUE(Printed(kvctl({"sismember", key, "a"}), "true\n"));
  const KvctlResult absent = kvctl({"sismember", key, "b"});
  EXPECT_TRUE(absent.status.exited_with(1)) << absent.describe();
  EXPECT_EQ(absent.out, "false\n");
  EXPECT_TRUE(Failed(kvctl({"sismember", test_key("none"), "a"}), 1,
                     "ERROR: no key `" + test_key("none") + "` found"));
  EXPECT_TRUE(Failed(kvctl({"sadd", key}), 2, "ERROR: "));
}

TEST_F(KvctlTypedTest, HashCommands) {
  const std::string key = test_key("hash");
  EXPECT_TRUE(Printed(kvctl({"hset", key, "name", "ann", "age", "7"}), R"({"age":"7","name":"ann"})"
                                                                       "\n"));
  EXPECT_TRUE(Printed(kvctl({"hget", key, "name"}), "ann"));
  EXPECT_TRUE(Failed(kvctl({"hget", key, "nope"}), 1, "ERROR: no field `nope`"));
  EXPECT_TRUE(Printed(kvctl({"hdel", key, "name", "age"}), "{}\n"));
  EXPECT_TRUE(Failed(kvctl({"hset", key, "odd"}), 2, "ERROR: "));
  EXPECT_TRUE(Failed(kvctl({"hget", test_key("none"), "f"}), 1,
                     "ERROR: no key `" + test_key("none") + "` found"));
}

TEST_F(KvctlTypedTest, WrongTypeIsAnErrorWithExitOne) {
  const std::string key = test_key("text");
  ASSERT_EQ(kv().put_key(key, "hello").status, 200);
  EXPECT_TRUE(Failed(kvctl({"incr", key}), 1, "ERROR: key `" + key + "` holds"));
  EXPECT_TRUE(Failed(kvctl({"smembers", key}), 1, "ERROR: key `" + key + "` holds"));
  EXPECT_TRUE(Failed(kvctl({"hget", key, "f"}), 1, "ERROR: key `" + key + "` holds"));
}

}  // namespace
}  // namespace kvtest
