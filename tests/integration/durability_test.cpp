// persistence = "wal" through the real kvnode: kill -9 under concurrent writes loses no
// acknowledged write in any fsync mode, damaged logs are cut or refused as they should be, a
// full disk answers 503, snapshots under load lose nothing, and the feed's seq goes on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
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

constexpr int kWriters = 8;

std::filesystem::path data_dir_of(const NodeProcess& node) {
  return node.work_dir().path() / "data";
}

// The config file of a node with a write-ahead log; `more` is appended to [storage].
std::string wal_config(const TempDir& dir, const std::string& fsync,
                       const std::string& partitions = "count = 16", const std::string& more = "") {
  return dir.write_file("kvnode.toml", "[partitions]\n" + partitions +
                                           "\n[storage]\npersistence = \"wal\"\nfsync = \"" +
                                           fsync + "\"\n" + more);
}

// The newest log file of a partition that holds records.
std::filesystem::path newest_log(const NodeProcess& node, int partition) {
  std::filesystem::path newest;
  const auto directory = data_dir_of(node) / ("partition-" + std::to_string(partition));
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("wal-") && name.ends_with(".log") && entry.file_size() > 0 &&
        entry.path() > newest) {
      newest = entry.path();
    }
  }
  return newest;
}

// The value of a series (name and labels as rendered) in a /metrics text, or -1 when it is missing.
double metric_value(const std::string& text, const std::string& series) {
  const std::size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

// Whether the node's stderr comes to hold `text`, waiting for it (bounded).
bool stderr_comes_to_hold(const NodeProcess& node, const std::string& text,
                          std::chrono::seconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (node.stderr_text().find(text) == std::string::npos) {
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// ---- a key's state as the writers saw it ----------------------------------------------------

struct KeyState {
  bool exists = false;
  std::string value;
  std::uint64_t version = 0;
};

struct Write {
  std::string key;
  bool is_delete = false;
  std::string value;
};

// What one writer had acknowledged, and the write it was waiting for when the node died.
struct WriterRecord {
  std::map<std::string, KeyState> acknowledged;
  std::optional<Write> in_flight;
  std::vector<std::string> failures;
};

// Each writer owns its keys, so at most one write of a key is in flight at any time.
void write_until_the_node_dies(NodeProcess& node, int writer, std::atomic<int>& acknowledged,
                               WriterRecord& record) {
  KvClient client(node.host(), node.http_port());
  for (int i = 0;; ++i) {
    const std::string writer_tag = numbered("w", static_cast<std::uint64_t>(writer));
    Write write{numbered(writer_tag + "/k", static_cast<std::uint64_t>(i % 40)), i % 9 == 8,
                numbered(writer_tag + "-", static_cast<std::uint64_t>(i))};
    write.value.append(static_cast<std::size_t>(i % 5) * 60, 'x');
    record.in_flight = write;
    const Reply reply =
        write.is_delete ? client.delete_key(write.key) : client.put_key(write.key, write.value);
    if (reply.status == -1) return;  // the node is gone; this write stays in flight
    record.in_flight.reset();
    if (reply.status != 200) {
      record.failures.push_back(write.key + ": " + reply.describe());
      return;
    }
    KeyState& state = record.acknowledged[write.key];
    if (write.is_delete) {
      state = KeyState{};
    } else {
      state = KeyState{true, write.value, reply.json()["version"].get<std::uint64_t>()};
    }
    ++acknowledged;
  }
}

// Runs kWriters writers, and kills the node with SIGKILL once `acknowledgements` writes were
// acknowledged and `also` holds, while they are still writing.
std::vector<WriterRecord> write_and_kill(
    NodeProcess& node, int acknowledgements,
    const std::function<bool()>& also = [] { return true; }) {
  std::vector<WriterRecord> records(kWriters);
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] { write_until_the_node_dies(node, w, acknowledged, records[w]); });
  }
  const auto deadline = clock_type::now() + 120s;
  while ((acknowledged < acknowledgements || !also()) && clock_type::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  node.send_signal(SIGKILL);
  for (auto& writer : writers) writer.join();
  EXPECT_GE(acknowledged.load(), acknowledgements);
  for (const auto& record : records) {
    for (const auto& failure : record.failures) ADD_FAILURE() << failure;
  }
  return records;
}

// Every acknowledged key has its last acknowledged value and version, or the outcome of the
// write that was in flight on it.
void expect_every_acknowledged_write(KvClient& client, const std::vector<WriterRecord>& records) {
  int checked = 0;
  for (const WriterRecord& record : records) {
    std::map<std::string, KeyState> expected = record.acknowledged;
    std::optional<KeyState> alternative;
    if (record.in_flight) {
      const KeyState before = expected[record.in_flight->key];
      alternative = record.in_flight->is_delete ? KeyState{}
                                                : KeyState{true, record.in_flight->value,
                                                           before.exists ? before.version + 1 : 1};
    }
    for (const auto& [key, state] : expected) {
      const Reply reply = client.get_key(key);
      const KeyState found =
          reply.status == 200
              ? KeyState{true, reply.body, std::stoull(reply.header("X-Kv-Version"))}
              : KeyState{};
      ASSERT_TRUE(reply.status == 200 || reply.status == 404) << key << ": " << reply.describe();
      const auto same = [&found](const KeyState& want) {
        return found.exists == want.exists && found.value == want.value &&
               found.version == want.version;
      };
      const bool in_flight_here = record.in_flight && record.in_flight->key == key;
      EXPECT_TRUE(same(state) || (in_flight_here && same(*alternative)))
          << key << ": found "
          << (found.exists ? "version " + std::to_string(found.version) : std::string("nothing"))
          << ", acknowledged "
          << (state.exists ? "version " + std::to_string(state.version) : std::string("nothing"));
      ++checked;
    }
  }
  EXPECT_GT(checked, kWriters * 30);
}

class KillUnderLoadTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KillUnderLoadTest, EveryAcknowledgedWriteSurvivesKillNine) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, GetParam())});
  ASSERT_TRUE(start_and_wait_ready(node));
  const auto records = write_and_kill(node, 4000);
  ASSERT_TRUE(kill_and_restart(node));
  KvClient client(node.host(), node.http_port());
  expect_every_acknowledged_write(client, records);
  if (HasFailure()) print_node_stderr(node);
}

INSTANTIATE_TEST_SUITE_P(FsyncModes, KillUnderLoadTest,
                         ::testing::Values("always", "everysec", "no"));

TEST(SnapshotUnderLoadTest, SnapshotsTakenDuringWritesLoseNothing) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, "everysec", "count = 4",
                                           "snapshot_log_multiple = 1\n"
                                           "snapshot_min_log_bytes = 8192\n")});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient metrics(node.host(), node.http_port());
  const std::string written = "kv_snapshots_total{result=\"ok\"}";
  // Several snapshots finished while the writers went on (however slow the disk is today),
  // and the kill comes in the middle of writes, maybe of another snapshot too.
  const auto records = write_and_kill(
      node, 6000, [&] { return metric_value(metrics.get("/metrics").body, written) >= 3; });
  const std::string first_run = node.stderr_text();
  ASSERT_TRUE(kill_and_restart(node));
  KvClient client(node.host(), node.http_port());
  expect_every_acknowledged_write(client, records);

  std::size_t snapshots = 0;
  for (std::size_t at = first_run.find("snapshot at seq"); at != std::string::npos;
       at = first_run.find("snapshot at seq", at + 1)) {
    ++snapshots;
  }
  EXPECT_GE(snapshots, 3u) << first_run;
}

// ---- damaged logs ----------------------------------------------------------------------------

class DamagedLogTest : public ::testing::Test {
 protected:
  DamagedLogTest() : node_({"--config", wal_config(config_dir_, "always", "count = 1")}) {}

  // k00 ... k19 written, then a clean stop.
  void SetUp() override {
    ASSERT_TRUE(start_and_wait_ready(node_));
    KvClient client(node_.host(), node_.http_port());
    for (int i = 0; i < 20; ++i) {
      ASSERT_EQ(client.put_key(key(i), "value-" + std::to_string(i)).status, 200);
    }
    ASSERT_TRUE(node_.stop().exited_with(0));
    log_ = newest_log(node_, 0);
    ASSERT_FALSE(log_.empty());
  }

  void TearDown() override {
    if (HasFailure()) print_node_stderr(node_);
  }

  static std::string key(int i) {
    char name[8];
    std::snprintf(name, sizeof name, "k%02d", i);
    return name;
  }

  void expect_keys(int from, int to) {
    KvClient client(node_.host(), node_.http_port());
    for (int i = from; i < to; ++i) {
      EXPECT_TRUE(IsValueReply(client.get_key(key(i)), "value-" + std::to_string(i), 1)) << key(i);
    }
  }

  TempDir config_dir_;
  NodeProcess node_;
  std::filesystem::path log_;
};

TEST_F(DamagedLogTest, ATruncatedTailIsCutWithAWarningAndEarlierKeysStay) {
  std::filesystem::resize_file(log_, std::filesystem::file_size(log_) - 3);
  ASSERT_TRUE(start_and_wait_ready(node_));
  EXPECT_NE(node_.stderr_text().find("torn tail"), std::string::npos) << node_.stderr_text();
  expect_keys(0, 19);
  KvClient client(node_.host(), node_.http_port());
  EXPECT_TRUE(IsMissingKeyReply(client.get_key(key(19)), key(19)));
  EXPECT_TRUE(IsWriteReply(client.put_key(key(19), "again"), key(19), 1, true));
}

TEST_F(DamagedLogTest, AZeroFilledTailIsCutWithAWarningAndEveryKeyStays) {
  {
    std::ofstream out(log_, std::ios::binary | std::ios::app);
    const std::string zeros(5000, '\0');
    out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  ASSERT_TRUE(start_and_wait_ready(node_));
  EXPECT_NE(node_.stderr_text().find("torn tail"), std::string::npos) << node_.stderr_text();
  expect_keys(0, 20);
}

TEST_F(DamagedLogTest, AFlippedByteInTheMiddleRefusesToStartUntilRepair) {
  const auto size = std::filesystem::file_size(log_);
  {
    std::fstream file(log_, std::ios::binary | std::ios::in | std::ios::out);
    file.seekg(static_cast<std::streamoff>(size / 2));
    const char byte = static_cast<char>(file.get());
    file.seekp(static_cast<std::streamoff>(size / 2));
    file.put(static_cast<char>(byte ^ 0x20));
  }
  std::string error;
  node_.start(&error);
  const ExitStatus refused = node_.wait_for_exit(30s);
  EXPECT_TRUE(refused.exited_with(1)) << refused.describe();
  const std::string message = node_.stderr_text();
  EXPECT_NE(message.find(log_.string()), std::string::npos) << message;
  EXPECT_NE(message.find("offset"), std::string::npos) << message;
  EXPECT_NE(message.find("--repair"), std::string::npos) << message;

  NodeProcess repairing({"--config", (config_dir_.path() / "kvnode.toml").string(), "--repair"});
  std::filesystem::copy(data_dir_of(node_), data_dir_of(repairing),
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(start_and_wait_ready(repairing));
  KvClient client(repairing.host(), repairing.http_port());
  EXPECT_TRUE(IsValueReply(client.get_key(key(0)), "value-0", 1));
  ASSERT_TRUE(repairing.stop().exited_with(0));

  // The repair wrote a snapshot: the next start needs no --repair.
  NodeProcess after({"--config", (config_dir_.path() / "kvnode.toml").string()});
  std::filesystem::copy(data_dir_of(repairing), data_dir_of(after),
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(start_and_wait_ready(after));
  KvClient again(after.host(), after.http_port());
  EXPECT_TRUE(IsValueReply(again.get_key(key(0)), "value-0", 1));
}

// ---- acknowledged data gone missing ---------------------------------------------------------

// Partition 7 of 16 holds the keys starting with 'p': p000 to p099 in its first log, written by
// a first run, and p100 to p109 in the log the second run opened; q000 is in partition 7 too,
// A000 in partition 4. Each damage below must stop the node until --repair.
class MissingDataTest : public ::testing::Test {
 protected:
  static std::string p_key(int i) {
    char name[8];
    std::snprintf(name, sizeof name, "p%03d", i);
    return name;
  }

  MissingDataTest() : node_({"--config", config()}) {}

  void SetUp() override {
    ASSERT_TRUE(start_and_wait_ready(node_));
    {
      KvClient client(node_.host(), node_.http_port());
      for (int i = 0; i < 100; ++i) ASSERT_EQ(client.put_key(p_key(i), "v").status, 200);
      ASSERT_EQ(client.put_key("A000", "v").status, 200);
    }
    ASSERT_TRUE(node_.stop().exited_with(0));
    ASSERT_TRUE(start_and_wait_ready(node_));
    {
      KvClient client(node_.host(), node_.http_port());
      for (int i = 100; i < 110; ++i) ASSERT_EQ(client.put_key(p_key(i), "v").status, 200);
    }
    ASSERT_TRUE(node_.stop().exited_with(0));
    ASSERT_TRUE(std::filesystem::exists(first_log()));
    ASSERT_TRUE(std::filesystem::exists(partition_7() / "wal-00000000000000000101.log"));
  }

  void TearDown() override {
    if (HasFailure()) print_node_stderr(node_);
  }

  std::string config(const std::string& partitions = "count = 16") {
    return wal_config(config_dir_, "no", partitions);
  }
  std::filesystem::path partition_7() const { return data_dir_of(node_) / "partition-7"; }
  std::filesystem::path first_log() const { return partition_7() / "wal-00000000000000000001.log"; }

  // Starts a node on the damaged data with `args`, and expects it to exit 1 with one critical
  // line that names each of `mentions` and --repair.
  void expect_refused(const std::vector<std::string>& mentions,
                      const std::vector<std::string>& args = {}) {
    std::vector<std::string> all = {"--config", config()};
    all.insert(all.end(), args.begin(), args.end());
    NodeProcess refused(all);
    std::filesystem::copy(data_dir_of(node_), data_dir_of(refused),
                          std::filesystem::copy_options::recursive);
    std::string error;
    refused.start(&error);
    const ExitStatus ended = refused.wait_for_exit(30s);
    EXPECT_TRUE(ended.exited_with(1)) << ended.describe() << "\n" << refused.stderr_text();
    std::vector<std::string> critical;
    for (const std::string& line : non_empty_lines(refused.stderr_text())) {
      if (line.find(" critical ") != std::string::npos) critical.push_back(line);
    }
    ASSERT_EQ(critical.size(), 1u) << refused.stderr_text();
    for (const std::string& mention : mentions) {
      EXPECT_NE(critical[0].find(mention), std::string::npos) << mention << "\n" << critical[0];
    }
    EXPECT_NE(critical[0].find("--repair"), std::string::npos) << critical[0];
  }

  // Starts with --repair on a copy of the damaged data: the node serves what is left and
  // warns; a start after it needs no --repair.
  void expect_repaired(const std::vector<std::string>& present,
                       const std::vector<std::string>& gone) {
    NodeProcess repairing({"--config", config(), "--repair"});
    std::filesystem::copy(data_dir_of(node_), data_dir_of(repairing),
                          std::filesystem::copy_options::recursive);
    ASSERT_TRUE(start_and_wait_ready(repairing));
    EXPECT_NE(repairing.stderr_text().find(" warning "), std::string::npos)
        << repairing.stderr_text();
    ASSERT_TRUE(repairing.stop().exited_with(0));

    NodeProcess after({"--config", config()});
    std::filesystem::copy(data_dir_of(repairing), data_dir_of(after),
                          std::filesystem::copy_options::recursive);
    ASSERT_TRUE(start_and_wait_ready(after));
    KvClient client(after.host(), after.http_port());
    for (const std::string& key : present) EXPECT_TRUE(IsValueReply(client.get_key(key), "v", 1));
    for (const std::string& key : gone) EXPECT_TRUE(IsMissingKeyReply(client.get_key(key), key));
    EXPECT_TRUE(IsWriteReply(client.put_key("p200", "new"), "p200", 1, true));
  }

  TempDir config_dir_;
  NodeProcess node_;
};

TEST_F(MissingDataTest, ADeletedFirstLogRefusesToStartUntilRepair) {
  std::filesystem::remove(first_log());
  expect_refused({"partition-7", "1 to 100"});
  expect_repaired({"p100", "p109", "A000"}, {"p000", "p099"});
}

TEST_F(MissingDataTest, AnOlderLogCutToHalfRefusesToStartUntilRepair) {
  std::filesystem::resize_file(first_log(), std::filesystem::file_size(first_log()) / 2);
  expect_refused({"partition-7", "to 100"});
  expect_repaired({"p000", "p040", "p100", "p109", "A000"}, {"p099"});
}

TEST_F(MissingDataTest, ADeletedPartitionDirectoryRefusesToStartUntilRepair) {
  std::filesystem::remove_all(partition_7());
  expect_refused({"partition-7"});
  expect_repaired({"A000"}, {"p000", "p109"});
}

TEST_F(MissingDataTest, ADeletedLayoutRefusesToStartUntilRepair) {
  std::filesystem::remove(data_dir_of(node_) / "LAYOUT");
  expect_refused({"LAYOUT"});
  expect_repaired({"p000", "p109", "A000"}, {});
}

TEST_F(MissingDataTest, ADeletedLayoutIsNotRepairedWithAnotherPartitionCount) {
  std::filesystem::remove(data_dir_of(node_) / "LAYOUT");
  const std::string other = config_dir_.write_file(
      "other.toml", "[partitions]\ncount = 4\n[storage]\npersistence = \"wal\"\n");
  for (const bool repair : {false, true}) {
    std::vector<std::string> args = {"--config",      other,
                                     "--data-dir",    data_dir_of(node_).string(),
                                     "--http-listen", "127.0.0.1:0"};
    if (repair) args.push_back("--repair");
    const RunResult run = run_kvnode(args);
    EXPECT_TRUE(run.status.exited_with(repair ? 2 : 1)) << run.status.describe();
    EXPECT_EQ(non_empty_lines(run.stderr_text).size(), 1u) << run.stderr_text;
    EXPECT_NE(run.stderr_text.find("LAYOUT"), std::string::npos) << run.stderr_text;
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir_of(node_) / "LAYOUT"));
}

TEST(FreshDataDirTest, AnEmptyExistingDataDirectoryStartsAndWritesItsLayout) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, "no", "count = 4")});
  // As a new volume comes: the directory exists, with lost+found in it.
  std::filesystem::create_directories(data_dir_of(node) / "lost+found");
  ASSERT_TRUE(start_and_wait_ready(node));
  EXPECT_TRUE(std::filesystem::exists(data_dir_of(node) / "LAYOUT"));
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(std::filesystem::is_directory(data_dir_of(node) / numbered("partition-", i)));
  }
  EXPECT_EQ(node.stderr_text().find(" warning "), std::string::npos) << node.stderr_text();
}

// ---- a full disk -----------------------------------------------------------------------------

// RLIMIT_FSIZE set on the running node makes writes past it fail with EFBIG, as a full disk
// fails them with ENOSPC.
TEST(FullDiskTest, WritesGet503AndEarlierDataSurvives) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, "always", "count = 1")});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(client.put_key(numbered("before", i), numbered("v", i)).status, 200);
  }
  const auto log = newest_log(node, 0);
  // Exactly the log's size: no record fits any more.
  // Soft only: the hard limit stays, so that the soft one can be lifted again.
  const rlimit limit{std::filesystem::file_size(log), RLIM_INFINITY};
  ASSERT_EQ(::prlimit(node.pid(), RLIMIT_FSIZE, &limit, nullptr), 0);

  EXPECT_TRUE(IsErrorReply(client.put_key("too-big", std::string(4000, 'x')), 503, "unavailable"));
  EXPECT_TRUE(IsErrorReply(client.delete_key("before0"), 503, "unavailable"));
  EXPECT_TRUE(
      IsErrorReply(client.post_batch({{"batch", std::string(4000, 'y')}}), 503, "unavailable"));
  EXPECT_TRUE(IsMissingKeyReply(client.get_key("too-big"), "too-big"));
  EXPECT_TRUE(IsValueReply(client.get_key("before0"), "v0", 1));

  const std::string metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("kv_wal_write_failures_total 3\n"), std::string::npos) << metrics;
  // The log counts them as the metric does, the last ones too once their interval is over,
  // though no write fails after them. The limit goes first: it stops the node's stderr file too.
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(node.pid(), RLIMIT_FSIZE, &unlimited, nullptr), 0);
  EXPECT_TRUE(stderr_comes_to_hold(node, "(total 3)", 30s)) << node.stderr_text();

  ASSERT_TRUE(kill_and_restart(node));  // the new process has no limit
  KvClient after(node.host(), node.http_port());
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(IsValueReply(after.get_key(numbered("before", i)), numbered("v", i), 1));
  }
  EXPECT_TRUE(IsMissingKeyReply(after.get_key("too-big"), "too-big"));
  EXPECT_TRUE(IsMissingKeyReply(after.get_key("batch"), "batch"));
  EXPECT_TRUE(IsWriteReply(after.put_key("too-big", "fits now"), "too-big", 1, true));
}

// ---- the change feed across a restart --------------------------------------------------------

// The data line of the first event of a watch stream, read off a raw socket.
std::optional<nlohmann::json> first_watch_event(int fd, std::chrono::milliseconds timeout) {
  std::string received;
  const auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline) {
    const std::size_t data = received.find("data: ");
    const std::size_t end = data == std::string::npos ? data : received.find('\n', data);
    if (end != std::string::npos)
      return nlohmann::json::parse(received.substr(data + 6, end - data - 6));
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return std::nullopt;
    received.append(buffer, static_cast<std::size_t>(got));
  }
  return std::nullopt;
}

// Whether /metrics counts `count` open watch streams, waiting for it (bounded).
bool wait_for_watch_streams(KvClient& client, int count) {
  const std::string line = "kv_feed_subscribers{transport=\"sse\"} " + std::to_string(count) + "\n";
  for (int attempt = 0; attempt < 250; ++attempt) {
    if (client.get("/metrics").body.find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// The event of one PUT of `key`, as a watch stream opened before it delivers it.
std::optional<nlohmann::json> event_of_put(NodeProcess& node, const std::string& key) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(node.http_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::optional<nlohmann::json> event;
  const std::string request =
      "GET /v1/watch?prefix=" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  KvClient client(node.host(), node.http_port());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()) &&
      wait_for_watch_streams(client, 1) && client.put_key(key, "v").status == 200) {
    event = first_watch_event(fd, 5s);
  }
  ::close(fd);
  wait_for_watch_streams(client, 0);
  return event;
}

TEST(FeedAcrossRestartTest, SeqAndRevGoOnWhereTheyWereAfterKillNine) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, "no")});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());
  // 'k' is in partition 6 of 16, 'A' in partition 4.
  for (int i = 0; i < 30; ++i) ASSERT_EQ(client.put_key(numbered("k", i), "v").status, 200);
  for (int i = 0; i < 12; ++i) ASSERT_EQ(client.put_key(numbered("A", i), "v").status, 200);
  ASSERT_EQ(client.delete_key("k0").status, 200);
  ASSERT_TRUE(kill_and_restart(node));

  const auto k_event = event_of_put(node, "k-after");
  ASSERT_TRUE(k_event) << node.stderr_text();
  EXPECT_EQ((*k_event)["partition"], 6);
  EXPECT_EQ((*k_event)["seq"], 32);  // 30 puts and a delete before
  EXPECT_EQ((*k_event)["rev"], 44);  // 43 events before, in both partitions
  const auto a_event = event_of_put(node, "A-after");
  ASSERT_TRUE(a_event);
  EXPECT_EQ((*a_event)["partition"], 4);
  EXPECT_EQ((*a_event)["seq"], 13);
  EXPECT_EQ((*a_event)["rev"], 45);
}

TEST(DurabilityMetricsTest, FsyncsAndLoggedBytesAreCounted) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, "always", "count = 1")});
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client.put_key(numbered("k", i), "value").status, 200);
  const std::string text = client.get("/metrics").body;
  EXPECT_GE(metric_value(text, "kv_wal_fsync_duration_seconds_count"), 5) << text;
  EXPECT_GT(metric_value(text, "kv_wal_fsync_duration_seconds_sum"), 0) << text;
  EXPECT_GE(metric_value(text, "kv_wal_bytes_total"), 5 * 12) << text;  // 5 records of >= 12 B
  EXPECT_EQ(metric_value(text, "kv_wal_write_failures_total"), 0) << text;
}

// ---- start-up rules --------------------------------------------------------------------------

TEST(DataLayoutStartTest, ADataDirectoryOfAnotherPartitionLayoutIsRefusedWithExitTwo) {
  TempDir config_dir;
  NodeProcess node({"--config", wal_config(config_dir, "no", "count = 16")});
  ASSERT_TRUE(start_and_wait_ready(node));
  ASSERT_TRUE(node.stop().exited_with(0));
  const std::string other = config_dir.write_file(
      "other.toml", "[partitions]\ncount = 4\n[storage]\npersistence = \"wal\"\n");
  const RunResult run = run_kvnode({"--config", other, "--data-dir", data_dir_of(node).string(),
                                    "--http-listen", "127.0.0.1:0"});
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe();
  EXPECT_EQ(non_empty_lines(run.stderr_text).size(), 1u) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("LAYOUT"), std::string::npos) << run.stderr_text;
}

TEST(NoPersistenceTest, NothingIsWrittenToDisk) {
  NodeProcess node;
  ASSERT_TRUE(start_and_wait_ready(node));
  KvClient client(node.host(), node.http_port());
  ASSERT_EQ(client.put_key("k", "v").status, 200);
  ASSERT_TRUE(node.stop().exited_with(0));
  EXPECT_FALSE(std::filesystem::exists(data_dir_of(node)));
}

}  // namespace
}  // namespace kvtest
