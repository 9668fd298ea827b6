// The PostgreSQL change log (contract section 13) against a real PostgreSQL that the test makes
// and runs itself, reached over mutual TLS (sslmode=verify-full, a client certificate that
// pg_hba.conf requires): every change in rev order with every column; PostgreSQL stopped under
// load and started again with no row lost or written twice; an outage longer than the backlog
// recorded as a gap; and kvnode --restore-from-postgres rebuilding a store key by key.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_metrics.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/node_restarts.hpp"
#include "tests/support/postgres_server.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// What GET says of a key: enough to compare a restored store with the original.
struct key_state {
  std::string value;
  std::string version;
  std::string type;
  std::string expires_at;
  bool operator==(const key_state&) const = default;
};

std::ostream& operator<<(std::ostream& out, const key_state& s) {
  return out << "{value " << s.value.size() << " bytes, version " << s.version << ", type "
             << s.type << ", expires_at '" << s.expires_at << "'}";
}

class ChangelogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new PostgresServer;
    setup_error_.clear();
    if (!server_->start(&setup_error_)) setup_error_ = "PostgreSQL did not start: " + setup_error_;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    database_ = "kv_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
    pqxx::connection admin(server_->admin_conninfo("postgres"));
    pqxx::nontransaction create(admin);
    create.exec0("CREATE DATABASE " + database_);
  }

  // A node with a write-ahead log and the change log; `more` is appended to [changelog].
  std::string config(const std::string& more = "") {
    return dir_.write_file("kvnode-" + database_ + ".toml",
                           "[partitions]\ncount = 4\n[storage]\npersistence = \"wal\"\n"
                           "fsync = \"no\"\n[changelog]\npostgres = \"" +
                               server_->client_conninfo(database_) + "\"\n" + more);
  }

  pqxx::result query(const std::string& sql) {
    pqxx::connection connection(server_->admin_conninfo(database_));
    pqxx::nontransaction txn(connection);
    return txn.exec(sql);
  }
  std::int64_t number(const std::string& sql) {
    const auto r = query(sql);
    return r[0][0].is_null() ? -1 : r[0][0].as<std::int64_t>();
  }

  // Until the table holds every event the node published.
  ::testing::AssertionResult caught_up(KvClient& kv, std::chrono::seconds limit = 30s) {
    const auto until = clock_type::now() + limit;
    while (clock_type::now() < until) {
      const Reply scraped = kv.get("/metrics");
      if (scraped.body.find("\nkv_changelog_lag_events 0\n") != std::string::npos &&
          scraped.body.find("\nkv_changelog_connected 1\n") != std::string::npos) {
        return ::testing::AssertionSuccess();
      }
      std::this_thread::sleep_for(50ms);
    }
    return ::testing::AssertionFailure()
           << "the change log did not catch up in " << limit.count() << " s:\n"
           << kv.get("/metrics").body;
  }

  // Every key of the node with what GET says of it.
  std::map<std::string, key_state> everything(KvClient& kv) {
    std::map<std::string, key_state> out;
    nlohmann::json page;
    EXPECT_TRUE(kv.list({{"limit", "10000"}}, &page));
    for (const auto& key : page["keys"]) {
      const Reply got = kv.get_key(key.get<std::string>());
      EXPECT_EQ(got.status, 200) << key;
      out[key.get<std::string>()] = {got.body, got.header("X-Kv-Version"), got.header("X-Kv-Type"),
                                     got.header("X-Kv-Expires-At")};
    }
    return out;
  }

  // The table's revs run from 1 to its last without a hole.
  void expect_whole_table() {
    EXPECT_EQ(number("SELECT min(rev) FROM kv_changes"), 1);
    EXPECT_EQ(number("SELECT count(*) FROM kv_changes"), number("SELECT max(rev) FROM kv_changes"));
    EXPECT_EQ(number("SELECT count(*) FROM kv_changes_gaps"), 0);
  }

  static PostgresServer* server_;
  static std::string setup_error_;
  static int databases_;
  std::string database_;
  TempDir dir_;
};

PostgresServer* ChangelogTest::server_ = nullptr;
std::string ChangelogTest::setup_error_;
int ChangelogTest::databases_ = 0;

TEST_F(ChangelogTest, EveryChangeReachesTheTableInRevOrderWithEveryColumn) {
  NodeProcess node({"--config", config()});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient kv(node.host(), node.http_port());
  ASSERT_EQ(kv.put_key("a", std::string("x\0y", 3)).status, 200);
  ASSERT_EQ(kv.put("/v1/keys/n?type=int", "5").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/n?op=incr", "2").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/t?ttl=100", "soon").status, 200);
  ASSERT_EQ(kv.delete_key("a").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/s?type=set", R"(["b","a","b"])").status, 200);
  ASSERT_TRUE(caught_up(kv));
  const Reply ttl = kv.get_key("t");
  ASSERT_EQ(ttl.status, 200);

  const auto rows = query(
      "SELECT rev, partition, seq, op, key, type, value, version, "
      "(extract(epoch FROM expires_at) * 1000)::bigint, extract(epoch FROM now() - ts) "
      "FROM kv_changes ORDER BY rev");
  ASSERT_EQ(rows.size(), 6u);
  const auto text = [](const pqxx::field& f) { return f.is_null() ? "NULL" : f.c_str(); };
  const auto bytes = [](const pqxx::field& f) {
    return f.is_null() ? std::string("NULL") : pqxx::binarystring(f).str();
  };
  const std::vector<std::vector<std::string>> expected = {
      {"put", "a", "bytes", std::string("x\0y", 3), "1"},
      {"put", "n", "int", "5", "1"},
      {"put", "n", "int", "7", "2"},
      {"put", "t", "bytes", "soon", "1"},
      {"delete", "a", "NULL", "NULL", "1"},
      {"put", "s", "set", R"(["a","b"])", "1"},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    EXPECT_EQ(row[0].as<std::uint64_t>(), i + 1);
    EXPECT_EQ(text(row[3]), expected[i][0]) << "rev " << i + 1;
    EXPECT_EQ(text(row[4]), expected[i][1]) << "rev " << i + 1;
    EXPECT_EQ(text(row[5]), expected[i][2]) << "rev " << i + 1;
    EXPECT_EQ(bytes(row[6]), expected[i][3]) << "rev " << i + 1;
    EXPECT_EQ(text(row[7]), expected[i][4]) << "rev " << i + 1;
    EXPECT_LT(row[9].as<double>(), 60.0) << "ts is the time of the write";
  }
  // The TTL deadline, which the event JSON does not carry, is in expires_at to the millisecond.
  EXPECT_EQ(rows[3][8].as<std::string>(), ttl.header("X-Kv-Expires-At"));
  EXPECT_TRUE(rows[0][8].is_null());
  // Each partition's seq counts from 1 without a gap.
  EXPECT_EQ(number("SELECT count(*) FROM (SELECT partition, max(seq) = count(*) AS whole "
                   "FROM kv_changes GROUP BY partition) p WHERE NOT whole"),
            0);
  expect_whole_table();
  EXPECT_EQ(metric(kv, "kv_changelog_written_events_total"), 6);
  EXPECT_EQ(metric(kv, "kv_changelog_gap_events_total"), 0);
}

TEST_F(ChangelogTest, PostgresRefusesAClientWithoutItsCertificate) {
  const std::string port = std::to_string(server_->port());
  const std::string base = "host=localhost hostaddr=127.0.0.1 port=" + port +
                           " dbname=" + database_ + " user=kvnode connect_timeout=5";
  EXPECT_THROW(pqxx::connection(base + " sslmode=verify-full sslrootcert=" + server_->ca_file()),
               pqxx::broken_connection);
  EXPECT_THROW(pqxx::connection(base + " sslmode=disable"), pqxx::broken_connection);
  EXPECT_NO_THROW(pqxx::connection(server_->client_conninfo(database_)));
}

TEST_F(ChangelogTest, PostgresStoppedUnderLoadLosesNoChangeAndWritesNoneTwice) {
  NodeProcess node({"--config", config()});
  ASSERT_TRUE(start_and_wait_ready(node));
  std::atomic<bool> stop{false};
  std::atomic<int> written{0}, refused{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      KvClient kv(node.host(), node.http_port());
      for (int i = 0; !stop; ++i) {
        std::string key = numbered("w", w);
        key += '/';
        key += std::to_string(i % 500);
        const Reply r = kv.put_key(key, std::string(100, 'v'));
        (r.status == 200 ? written : refused)++;
      }
    });
  }
  KvClient kv(node.host(), node.http_port());
  std::this_thread::sleep_for(700ms);
  std::string error;
  ASSERT_TRUE(server_->stop(&error)) << error;
  const int at_stop = written;
  std::this_thread::sleep_for(1500ms);
  EXPECT_GT(written - at_stop, 100) << "writes go on while PostgreSQL is down";
  EXPECT_GT(metric(kv, "kv_changelog_lag_events"), 0);
  EXPECT_EQ(metric(kv, "kv_changelog_connected"), 0);
  ASSERT_TRUE(server_->start(&error)) << error;
  std::this_thread::sleep_for(700ms);
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(refused, 0);
  ASSERT_TRUE(caught_up(kv));
  EXPECT_EQ(number("SELECT max(rev) FROM kv_changes"), written.load());
  expect_whole_table();
  EXPECT_EQ(metric(kv, "kv_changelog_gap_events_total"), 0);
  EXPECT_GT(metric(kv, "kv_changelog_failures_total"), 0);
  EXPECT_GT(metric(kv, "kv_changelog_transactions_total"), 1);
}

TEST_F(ChangelogTest, AnOutageLongerThanTheBacklogIsARecordedGapAndRestoreRefusesIt) {
  NodeProcess node({"--config", config("max_backlog_events = 50\n")});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient kv(node.host(), node.http_port());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(kv.put_key(numbered("before", i), "x").status, 200);
  ASSERT_TRUE(caught_up(kv));
  std::string error;
  ASSERT_TRUE(server_->stop(&error)) << error;
  for (int i = 0; i < 200; ++i) ASSERT_EQ(kv.put_key(numbered("during", i), "x").status, 200);
  EXPECT_TRUE(MetricReaches(kv, "kv_changelog_gap_events_total", 150));
  EXPECT_EQ(metric(kv, "kv_changelog_backlog_events"), 50);
  ASSERT_TRUE(server_->start(&error)) << error;
  ASSERT_TRUE(caught_up(kv));
  const auto gaps = query("SELECT first_rev, last_rev, events FROM kv_changes_gaps");
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0][0].as<int>(), 11);
  EXPECT_EQ(gaps[0][1].as<int>(), 160);
  EXPECT_EQ(gaps[0][2].as<int>(), 150);
  EXPECT_EQ(number("SELECT count(*) FROM kv_changes"), 60);
  EXPECT_EQ(number("SELECT max(rev) FROM kv_changes"), 210);
  EXPECT_EQ(metric(kv, "kv_changelog_gaps_total"), 1);
  EXPECT_EQ(metric(kv, "kv_changelog_gap_events_total"), 150);
  EXPECT_NE(node.stderr_text().find("revs 11 to 160 (150 events) never reached the table"),
            std::string::npos)
      << node.stderr_text();
  node.stop();

  // A log with a gap would rebuild a store that is not whole: refused, unless asked for.
  TempDir target;
  const RunResult refused = run_kvnode(
      {"--config", config("max_backlog_events = 50\n"), "--data-dir",
       (target.path() / "data").string(), "--http-listen", "127.0.0.1:0", "--feed-endpoint",
       "tcp://127.0.0.1:" + std::to_string(pick_free_port()), "--restore-from-postgres"});
  EXPECT_TRUE(refused.status.exited_with(1)) << refused.status.describe() << refused.stderr_text;
  EXPECT_NE(refused.stderr_text.find("misses 150 of revs 1 to 210 (revs 11 to 160"),
            std::string::npos)
      << refused.stderr_text;
  EXPECT_FALSE(std::filesystem::exists(target.path() / "data"));

  NodeProcess accepted({"--config", config("max_backlog_events = 50\n"), "--restore-from-postgres",
                        "--restore-accept-gaps"});
  ASSERT_TRUE(start_and_wait_ready(accepted));
  EXPECT_NE(accepted.stderr_text().find("RESTORING AN INCOMPLETE LOG"), std::string::npos);
  KvClient restored(accepted.host(), accepted.http_port());
  EXPECT_EQ(restored.get_key(numbered("before", 9)).status, 200);
  EXPECT_EQ(restored.get_key(numbered("during", 0)).status, 404);    // lost in the gap
  EXPECT_EQ(restored.get_key(numbered("during", 199)).status, 200);  // after it
  // The restored node's rev goes on after the table's: its next change is rev 211.
  ASSERT_EQ(restored.put_key("after", "x").status, 200);
  ASSERT_TRUE(caught_up(restored));
  EXPECT_EQ(number("SELECT rev FROM kv_changes WHERE key = 'after'"), 211);
}

TEST_F(ChangelogTest, RestoreRebuildsTheStoreKeyByKeyAfterKillNine) {
  NodeProcess original({"--config", config()});
  ASSERT_TRUE(start_and_wait_ready(original));
  KvClient kv(original.host(), original.http_port());
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(
        kv.put_key(numbered("plain/", i), all_bytes.substr(i % 200) + std::to_string(i)).status,
        200);
  }
  for (int i = 0; i < 300; i += 3)
    ASSERT_EQ(kv.put_key(numbered("plain/", i), "again").status, 200);
  for (int i = 0; i < 300; i += 7) ASSERT_EQ(kv.delete_key(numbered("plain/", i)).status, 200);
  ASSERT_EQ(kv.put("/v1/keys/typed/int?type=int", "-42").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/typed/uint?type=uint", "18446744073709551615").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/typed/float?type=float", "2.5e-3").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/typed/set?type=set", R"(["z","a"])").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/typed/hash?type=hash", R"({"f":"1","e":"2"})").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/typed/json?type=json", R"({"a": [1, 2.5, null]})").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/typed/int?op=incr", "10").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/typed/set?op=sadd", R"(["m"])").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/typed/hash?op=hdel", R"(["e"])").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/ttl/long?ttl=100000", "kept").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/ttl/typed?type=int&ttl=100000", "7").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/ttl/typed?op=incr", "1").status, 200);  // keeps its TTL
  ASSERT_EQ(kv.put_key("ttl/set-later", "v").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/ttl/set-later?op=expire", "5000").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/ttl/persisted?ttl=100", "v").status, 200);
  ASSERT_EQ(kv.request("POST", "/v1/keys/ttl/persisted?op=persist", "").status, 200);
  ASSERT_EQ(kv.put("/v1/keys/ttl/short?ttl=1", "gone soon").status, 200);
  ASSERT_EQ(kv.put_key("deleted/then-again", "1").status, 200);
  ASSERT_EQ(kv.delete_key("deleted/then-again").status, 200);
  ASSERT_EQ(kv.put_key("deleted/then-again", "2").status, 200);  // version 1 again
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(kv.get_key("ttl/short").status, 404);
  ASSERT_TRUE(caught_up(kv));
  EXPECT_EQ(number("SELECT count(*) FROM kv_changes WHERE op = 'expire' AND key = 'ttl/short'"), 1);
  const std::map<std::string, key_state> before = everything(kv);
  ASSERT_GT(before.size(), 250u);
  const std::int64_t last_rev = number("SELECT max(rev) FROM kv_changes");
  expect_whole_table();

  original.send_signal(SIGKILL);
  original.wait_for_exit(10s);
  // The crashed node's data directory is not empty: a restore into it is refused.
  const RunResult over_data = run_kvnode(
      {"--config", config(), "--data-dir", (original.work_dir().path() / "data").string(),
       "--http-listen", "127.0.0.1:0", "--feed-endpoint",
       "tcp://127.0.0.1:" + std::to_string(pick_free_port()), "--restore-from-postgres"});
  EXPECT_TRUE(over_data.status.exited_with(1)) << over_data.status.describe();
  EXPECT_NE(over_data.stderr_text.find("is not empty"), std::string::npos) << over_data.stderr_text;

  // A new node with an empty data directory, rebuilt from the table.
  NodeProcess restored({"--config", config(), "--restore-from-postgres"});
  ASSERT_TRUE(start_and_wait_ready(restored));
  KvClient again(restored.host(), restored.http_port());
  const std::map<std::string, key_state> after = everything(again);
  EXPECT_EQ(after.size(), before.size());
  for (const auto& [key, state] : before) {
    const auto found = after.find(key);
    if (found == after.end()) {
      ADD_FAILURE() << "missing after the restore: " << key;
      continue;
    }
    EXPECT_EQ(found->second, state) << key;
  }
  EXPECT_EQ(again.get_key("ttl/short").status, 404);
  EXPECT_EQ(again.get_key("deleted/then-again").header("X-Kv-Version"), "1");
  EXPECT_NE(restored.stderr_text().find("restored " + std::to_string(before.size()) + " keys"),
            std::string::npos)
      << restored.stderr_text();

  // It serves, and its changes go on in the same table with the next rev.
  ASSERT_EQ(again.put_key("after-restore", "x").status, 200);
  ASSERT_TRUE(caught_up(again));
  EXPECT_EQ(number("SELECT rev FROM kv_changes WHERE key = 'after-restore'"), last_rev + 1);
  expect_whole_table();
  EXPECT_EQ(again.get_key("typed/int").body, "-32");
}

TEST_F(ChangelogTest, RestoreNeedsTheChangeLogAndAWriteAheadLog) {
  TempDir target;
  const std::string data = (target.path() / "data").string();
  const RunResult no_log =
      run_kvnode({"--persistence", "wal", "--data-dir", data, "--restore-from-postgres"});
  EXPECT_TRUE(no_log.status.exited_with(2)) << no_log.status.describe();
  EXPECT_NE(no_log.stderr_text.find("needs changelog.postgres"), std::string::npos)
      << no_log.stderr_text;
  const RunResult no_wal = run_kvnode(
      {"--changelog-postgres", server_->client_conninfo(database_), "--restore-from-postgres"});
  EXPECT_TRUE(no_wal.status.exited_with(2)) << no_wal.status.describe();
  EXPECT_NE(no_wal.stderr_text.find("needs persistence = \"wal\""), std::string::npos)
      << no_wal.stderr_text;
  const RunResult bad = run_kvnode({"--changelog-postgres", "host=localhost port=notaport x"});
  EXPECT_TRUE(bad.status.exited_with(2)) << bad.status.describe();
  EXPECT_NE(bad.stderr_text.find("changelog.postgres"), std::string::npos) << bad.stderr_text;
}

}  // namespace
}  // namespace kvtest
