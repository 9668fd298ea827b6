// Expiry (contract section 8) against a real kvnode: ?ttl= and X-Kv-Expires-At, every read path
// blind to a key from its deadline on, one expire event per expiry, plain writes clearing and
// operations keeping the deadline, op=expire and op=persist, refusals, restarts, and kvctl.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/kvctl_runner.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_metrics.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/node_restarts.hpp"
#include "tests/support/watch_events.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps until `margin` after the Unix-ms deadline.
void sleep_past(std::int64_t deadline_ms, std::chrono::milliseconds margin = 100ms) {
  const std::int64_t wait = deadline_ms - unix_ms_now() + margin.count();
  if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
}

std::int64_t expires_at(const Reply& reply) {
  const std::string text = reply.header("X-Kv-Expires-At");
  return text.empty() ? 0 : std::stoll(text);
}

class ExpiryTest : public SharedNodeTest<ExpiryTest> {};

TEST_F(ExpiryTest, TtlOnAWriteGivesTheDeadlineToEveryRead) {
  const std::string key = test_key("k");
  const std::int64_t before = unix_ms_now();
  ASSERT_EQ(kv().put(key_path(key) + "?ttl=100", "v").status, 200);
  const std::int64_t after = unix_ms_now();
  const Reply got = kv().get_key(key);
  ASSERT_EQ(got.status, 200);
  EXPECT_GE(expires_at(got), before + 100'000);
  EXPECT_LE(expires_at(got), after + 100'000);
  EXPECT_EQ(expires_at(kv().head(key_path(key))), expires_at(got));

  // POST {"value": BASE64} takes it as well.
  const std::string posted = test_key("posted");
  ASSERT_EQ(kv().post_json(key_path(posted) + "?ttl=5", R"({"value":"dg=="})").status, 200);
  EXPECT_GT(expires_at(kv().get_key(posted)), 0);
  EXPECT_FALSE(kv().get_key(test_key("none")).has_header("X-Kv-Expires-At"));
}

TEST_F(ExpiryTest, NoReadPathSeesAKeyFromItsDeadlineOn) {
  const std::string prefix = test_key("");
  const std::string key = prefix + "gone";
  ASSERT_EQ(kv().put(key_path(key) + "?ttl=1", "v").status, 200);
  ASSERT_EQ(kv().put(key_path(prefix + "set") + "?type=set&ttl=1", R"(["m"])").status, 200);
  ASSERT_EQ(kv().put_key(prefix + "stays", "w").status, 200);
  const std::int64_t deadline = expires_at(kv().get_key(key));
  ASSERT_GT(deadline, 0);
  sleep_past(deadline);

  EXPECT_EQ(kv().get_key(key).status, 404);
  EXPECT_EQ(kv().head(key_path(key)).status, 404);
  EXPECT_EQ(kv().get(key_path(prefix + "set") + "?member=m").status, 404);
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"prefix", prefix}}, &page));
  EXPECT_EQ(page["keys"], nlohmann::json::array({prefix + "stays"}));
  ASSERT_TRUE(kv().list({{"prefix", prefix}, {"values", "true"}}, &page));
  EXPECT_EQ(page["items"].size(), 1u);
  const Reply search = kv().get("/search?prefix=" + url_encode(prefix));
  EXPECT_EQ(search.json(), nlohmann::json::array({prefix + "stays"})) << search.describe();
  const Reply dump = kv().get("/");
  EXPECT_FALSE(dump.json().contains(key));
  EXPECT_TRUE(dump.json().contains(prefix + "stays"));
  // An operation on an expired key starts a new one.
  const Reply added = kv().post_json(key_path(prefix + "set") + "?op=sadd", R"(["n"])");
  ASSERT_EQ(added.status, 200) << added.describe();
  EXPECT_EQ(added.json()["version"], 1);
  EXPECT_EQ(added.json()["value"], nlohmann::json::array({"n"}));
  EXPECT_FALSE(kv().get_key(prefix + "set").has_header("X-Kv-Expires-At"));
  // CAS sees it absent: version 0 matches, the version it had does not.
  EXPECT_EQ(kv().put_key(key, "x", 1).status, 409);
  const Reply created = kv().put_key(key, "x", 0);
  ASSERT_EQ(created.status, 200);
  EXPECT_EQ(created.json()["created"], true);
  EXPECT_EQ(created.json()["version"], 1);
}

TEST_F(ExpiryTest, EachExpiryIsOneExpireEventAfterTheWrites) {
  const std::string prefix = test_key("");
  ASSERT_EQ(kv().put(key_path(prefix + "a") + "?ttl=1", "v").status, 200);
  const std::int64_t deadline = expires_at(kv().get_key(prefix + "a"));
  sleep_past(deadline);
  const auto events = retained_events(node(), prefix, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["op"], "put");
  EXPECT_EQ(events[1]["op"], "expire");
  EXPECT_EQ(events[1]["key"], prefix + "a");
  EXPECT_EQ(events[1]["version"], 1);
  EXPECT_FALSE(events[1].contains("value"));
  EXPECT_EQ(events[1]["partition"], events[0]["partition"]);
  EXPECT_EQ(events[1]["seq"], events[0]["seq"].get<int>() + 1);
  EXPECT_GT(events[1]["rev"], events[0]["rev"]);
  EXPECT_GE(events[1]["ts_ms"].get<std::int64_t>(), deadline);
  // Nothing more: the expiry is not announced twice.
  EXPECT_EQ(retained_events(node(), prefix, 3, 500ms).size(), 2u);
}

TEST_F(ExpiryTest, PlainWritesClearTheDeadlineAndOperationsKeepIt) {
  const std::string plain = test_key("plain");
  ASSERT_EQ(kv().put(key_path(plain) + "?ttl=100", "v").status, 200);
  ASSERT_EQ(kv().put_key(plain, "w").status, 200);
  EXPECT_FALSE(kv().get_key(plain).has_header("X-Kv-Expires-At"));

  const std::string counter = test_key("counter");
  ASSERT_EQ(kv().put(key_path(counter) + "?type=int&ttl=100", "1").status, 200);
  const std::int64_t deadline = expires_at(kv().get_key(counter));
  ASSERT_GT(deadline, 0);
  ASSERT_EQ(kv().post_json(key_path(counter) + "?op=incr", "5").status, 200);
  const Reply after = kv().get_key(counter);
  EXPECT_EQ(after.body, "6");
  EXPECT_EQ(expires_at(after), deadline);

  const std::string set = test_key("set");
  ASSERT_EQ(kv().put(key_path(set) + "?type=set&ttl=100", "[]").status, 200);
  ASSERT_EQ(kv().post_json(key_path(set) + "?op=sadd", R"(["a"])").status, 200);
  EXPECT_GT(expires_at(kv().get_key(set)), 0);
}

TEST_F(ExpiryTest, ExpireAndPersistChangeTheDeadlineAsAWrite) {
  const std::string key = test_key("k");
  ASSERT_EQ(kv().put_key(key, "v").status, 200);
  const std::int64_t before = unix_ms_now();
  const Reply expire = kv().post_json(key_path(key) + "?op=expire", "100");
  ASSERT_EQ(expire.status, 200) << expire.describe();
  EXPECT_EQ(expire.json()["key"], key);
  EXPECT_EQ(expire.json()["version"], 2);
  const std::int64_t deadline = expire.json()["expires_at"].get<std::int64_t>();
  EXPECT_GE(deadline, before + 100'000);
  const Reply got = kv().get_key(key);
  EXPECT_EQ(got.body, "v");
  EXPECT_EQ(got.header("X-Kv-Version"), "2");
  EXPECT_EQ(expires_at(got), deadline);

  const Reply persist = kv().post_json(key_path(key) + "?op=persist", "");
  ASSERT_EQ(persist.status, 200);
  EXPECT_EQ(persist.json(),
            nlohmann::json::parse(R"({"key":")" + key + R"(","version":3,"expires_at":null})"));
  EXPECT_FALSE(kv().get_key(key).has_header("X-Kv-Expires-At"));
  // Nothing left to clear: no write.
  EXPECT_EQ(kv().post_json(key_path(key) + "?op=persist", "").json()["version"], 3);

  EXPECT_EQ(kv().post_json(key_path(key) + "?op=expire&if_version=2", "5").status, 409);
  EXPECT_EQ(kv().post_json(key_path(key) + "?op=expire&if_version=3", "5").status, 200);
  const Reply missing = kv().post_json(key_path(test_key("missing")) + "?op=expire", "5");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"], "not_found");
}

TEST_F(ExpiryTest, BadTtlsAreRefusedWithNothingWritten) {
  const std::string key = test_key("k");
  for (const std::string ttl :
       {"0", "-1", "abc", "1000000001", "", "1.5", "99999999999999999999"}) {
    const Reply put = kv().put(key_path(key) + "?ttl=" + url_encode(ttl), "v");
    EXPECT_EQ(put.status, 400) << ttl;
    EXPECT_EQ(put.json()["error"], "bad_request") << ttl;
    const Reply batch =
        kv().post_json("/v1/keys?ttl=" + url_encode(ttl), R"({")" + key + R"(":"v"})");
    EXPECT_EQ(batch.status, 400) << ttl;
  }
  EXPECT_EQ(kv().get_key(key).status, 404);
  ASSERT_EQ(kv().put_key(key, "v").status, 200);
  for (const std::string body : {"0", "", "x", "1000000001"}) {
    const Reply expire = kv().post_json(key_path(key) + "?op=expire", body);
    EXPECT_EQ(expire.status, 400) << body;
    EXPECT_EQ(expire.json()["error"], "bad_request") << body;
  }
  EXPECT_EQ(kv().get_key(key).header("X-Kv-Version"), "1");
  EXPECT_EQ(kv().put(key_path(key) + "?ttl=1000000000", "v").status, 200);
}

TEST_F(ExpiryTest, BatchTtlAppliesToEveryKey) {
  const std::string a = test_key("a");
  const std::string b = test_key("b");
  const Reply batch =
      kv().post_json("/v1/keys?ttl=100", R"({")" + a + R"(":"1",")" + b + R"(":{"n":2}})");
  ASSERT_EQ(batch.status, 200) << batch.describe();
  EXPECT_GT(expires_at(kv().get_key(a)), 0);
  EXPECT_GT(expires_at(kv().get_key(b)), 0);
}

TEST_F(ExpiryTest, KvctlSetsReadsAndClearsExpiry) {
  const std::string url = "http://127.0.0.1:" + std::to_string(node().http_port());
  const std::string key = test_key("k");
  EXPECT_EQ(run_kvctl({"--url", url, "put", key, "v", "--ttl", "100"}).status.exit_code, 0);
  const KvctlResult ttl = run_kvctl({"--url", url, "ttl", key});
  ASSERT_EQ(ttl.status.exit_code, 0) << ttl.describe();
  const int left = std::stoi(ttl.out);
  EXPECT_GE(left, 99);
  EXPECT_LE(left, 100);
  const KvctlResult persist = run_kvctl({"--url", url, "persist", key});
  EXPECT_EQ(persist.status.exit_code, 0) << persist.describe();
  EXPECT_EQ(run_kvctl({"--url", url, "ttl", key}).out, "-1\n");
  const KvctlResult expire = run_kvctl({"--url", url, "--json", "expire", key, "50"});
  ASSERT_EQ(expire.status.exit_code, 0) << expire.describe();
  EXPECT_EQ(nlohmann::json::parse(expire.out)["version"], 3);
  EXPECT_EQ(run_kvctl({"--url", url, "ttl", test_key("missing")}).status.exit_code, 1);
  EXPECT_EQ(run_kvctl({"--url", url, "expire", test_key("missing"), "5"}).status.exit_code, 1);
  EXPECT_EQ(run_kvctl({"--url", url, "expire", key, "0"}).status.exit_code, 2);
  EXPECT_EQ(run_kvctl({"--url", url, "put", key, "v", "--ttl", "-3"}).status.exit_code, 2);
}

TEST(ExpiryMetricsTest, ExpiriesAreCounted) {
  NodeProcess node;
  std::string error;
  ASSERT_TRUE(node.start(&error)) << error;
  KvClient client(node.host(), node.http_port());
  EXPECT_EQ(metric(client, "kv_expired_keys_total"), 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client.put(key_path(numbered("k", i)) + "?ttl=1", "v").status, 200);
  }
  sleep_past(expires_at(client.get_key("k2")));
  EXPECT_TRUE(MetricReaches(client, "kv_expired_keys_total", 3));
  EXPECT_EQ(metric(client, "kv_keys"), 0) << "the sweep removes expired keys from memory";
}

TEST(ExpiryDurabilityTest, DeadlinesSurviveARestartAndWhatExpiredWhileDownIsGone) {
  TempDir config_dir;
  const std::string config = config_dir.write_file(
      "kvnode.toml", "[storage]\npersistence = \"wal\"\nfsync = \"always\"\n");
  NodeProcess node({"--config", config});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());
  ASSERT_EQ(client.put(key_path("short") + "?ttl=1", "a").status, 200);
  ASSERT_EQ(client.put(key_path("long") + "?type=int&ttl=1000", "7").status, 200);
  ASSERT_EQ(client.put_key("forever", "c").status, 200);
  const std::int64_t short_deadline = expires_at(client.get_key("short"));
  const std::int64_t long_deadline = expires_at(client.get_key("long"));

  // Down before the short key expires, back after: it must be gone before the node serves.
  node.send_signal(SIGKILL);
  node.wait_for_exit(10s);
  sleep_past(short_deadline);
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient after(node.host(), node.http_port());
  EXPECT_EQ(after.get_key("short").status, 404);
  const Reply long_key = after.get_key("long");
  EXPECT_EQ(long_key.body, "7");
  EXPECT_EQ(long_key.header("X-Kv-Type"), "int");
  EXPECT_EQ(expires_at(long_key), long_deadline);
  EXPECT_FALSE(after.get_key("forever").has_header("X-Kv-Expires-At"));
  // The three writes were revs 1 to 3; the history after the restart starts with the expiry.
  const auto events = retained_events(node, "short", 1, 2s, 3);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["op"], "expire");
  EXPECT_EQ(events[0]["rev"], 4);
  EXPECT_TRUE(MetricReaches(after, "kv_expired_keys_total", 1));

  // The expiry itself was logged: a second crash neither brings the key back nor expires it
  // again.
  ASSERT_TRUE(kill_and_restart(node));
  KvClient again(node.host(), node.http_port());
  EXPECT_EQ(again.get_key("short").status, 404);
  EXPECT_EQ(metric(again, "kv_expired_keys_total"), 0);
  EXPECT_EQ(expires_at(again.get_key("long")), long_deadline);
}

}  // namespace
}  // namespace kvtest
