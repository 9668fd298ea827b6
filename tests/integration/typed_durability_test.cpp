// Typed values through the write-ahead log with the real kvnode: types, values and versions
// survive kill -9 and snapshots, and a data directory written before typed values existed
// (tests/fixtures/untyped-data, made by the kvnode of that time) recovers unchanged.
#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/node_restarts.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Whether /metrics counts a finished snapshot, waiting for one (bounded): it is written on a
// background thread after the writes that made it due.
bool wait_for_a_snapshot(KvClient& client) {
  const std::string series = "\nkv_snapshots_total{result=\"ok\"} ";
  const auto deadline = clock_type::now() + 30s;
  while (clock_type::now() < deadline) {
    const std::string text = client.get("/metrics").body;
    const std::size_t at = text.find(series);
    if (at != std::string::npos && std::stod(text.substr(at + series.size())) > 0) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// GET of the key: its type, version and body in one line, for comparisons.
std::string typed_state(KvClient& client, const std::string& key) {
  const Reply reply = client.get_key(key);
  if (reply.status != 200) return reply.describe();
  return reply.header("X-Kv-Type") + " v" + reply.header("X-Kv-Version") + " " + reply.body;
}

TEST(TypedDurabilityTest, TypedValuesAndVersionsSurviveKillNineAndSnapshots) {
  TempDir config_dir;
  // Snapshots as early as the node allows, so that the restarts read typed snapshots too.
  const std::string config = config_dir.write_file(
      "kvnode.toml",
      "[partitions]\ncount = 2\n[storage]\npersistence = \"wal\"\nfsync = \"always\"\n"
      "snapshot_log_multiple = 1\nsnapshot_min_log_bytes = 4096\n");
  NodeProcess node({"--config", config});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());

  ASSERT_EQ(client.put(key_path("int") + "?type=int", "-9223372036854775808").status, 200);
  ASSERT_EQ(client.put(key_path("float") + "?type=float", "0.30000000000000004").status, 200);
  ASSERT_EQ(client.put(key_path("json") + "?type=json", R"({"a": [1]})").status, 200);
  ASSERT_EQ(client.put_key("bytes", std::string("\0\xff", 2)).status, 200);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(client.post_json(key_path("uint") + "?op=incr&type=uint", "").status, 200);
    ASSERT_EQ(
        client.post_json(key_path("set") + "?op=sadd", "[\"" + numbered("m", i) + "\"]").status,
        200);
    ASSERT_EQ(
        client.post_json(key_path("hash") + "?op=hset", R"({"f":")" + std::to_string(i) + R"("})")
            .status,
        200);
  }
  ASSERT_EQ(client.post_json(key_path("set") + "?op=srem", R"(["m0"])").status, 200);

  const std::vector<std::string> keys = {"int", "float", "json", "bytes", "uint", "set", "hash"};
  std::map<std::string, std::string> before;
  for (const auto& key : keys) before[key] = typed_state(client, key);
  EXPECT_EQ(before["uint"], "uint v200 200");
  EXPECT_EQ(before["hash"], R"(hash v200 {"f":"199"})");
  EXPECT_EQ(before["set"].substr(0, 14), R"(set v201 ["m1")");

  ASSERT_TRUE(wait_for_a_snapshot(client)) << "no snapshot was written, so none would be read";
  ASSERT_TRUE(kill_and_restart(node));
  KvClient after(node.host(), node.http_port());
  for (const auto& key : keys) EXPECT_EQ(typed_state(after, key), before[key]) << key;

  // Operations go on from the recovered values, and survive another kill.
  EXPECT_EQ(after.post_json(key_path("int") + "?op=incr", "-1").status, 400);
  ASSERT_EQ(after.post_json(key_path("uint") + "?op=incr", "5").status, 200);
  ASSERT_TRUE(kill_and_restart(node));
  KvClient again(node.host(), node.http_port());
  EXPECT_EQ(typed_state(again, "uint"), "uint v201 205");
  EXPECT_EQ(typed_state(again, "int"), before["int"]);
}

TEST(UntypedDataTest, ADataDirectoryFromBeforeTypedValuesRecoversUnchanged) {
  TempDir config_dir;
  // The configuration the fixture was written with (tests/fixtures/README.md).
  const std::string config = config_dir.write_file(
      "kvnode.toml", "[partitions]\ncount = 2\n[storage]\npersistence = \"wal\"\n");
  NodeProcess node({"--config", config});
  // The node's data directory is data/ in its work directory.
  std::filesystem::copy(std::filesystem::path(KV_SOURCE_DIR) / "tests/fixtures/untyped-data",
                        node.work_dir().path() / "data", std::filesystem::copy_options::recursive);
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());

  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(typed_state(client, "greeting"), "bytes v2 hello again");
  EXPECT_EQ(typed_state(client, "binary"), "bytes v1 " + all_bytes);
  EXPECT_EQ(typed_state(client, "counter"), "bytes v1 41");
  EXPECT_EQ(typed_state(client, "number"), "bytes v1 5");  // a batch's JSON before types
  EXPECT_EQ(typed_state(client, "big"), "bytes v6 " + std::string(2000, 'z'));
  EXPECT_EQ(typed_state(client, "after-snapshot"), "bytes v1 1");
  EXPECT_TRUE(IsMissingKeyReply(client.get_key("gone"), "gone"));
  EXPECT_EQ(node.stderr_text().find("repair"), std::string::npos) << node.stderr_text();

  // The old data takes typed writes on top and recovers them with it.
  ASSERT_EQ(client.post_json(key_path("hits") + "?op=incr", "").status, 200);
  ASSERT_TRUE(kill_and_restart(node));
  KvClient after(node.host(), node.http_port());
  EXPECT_EQ(typed_state(after, "hits"), "int v1 1");
  EXPECT_EQ(typed_state(after, "greeting"), "bytes v2 hello again");
}

}  // namespace
}  // namespace kvtest
