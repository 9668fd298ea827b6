// Black-box tests of the kvnode process (contract section 4): --help/--version, bad config files
// and flags (exit 2, one line), ports in use (exit 1), config values, logs, SIGTERM/SIGINT.
#include "tests/support/node_process.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

std::string free_listen_address() {
  return numbered("127.0.0.1:", pick_free_port());
}
std::string free_feed_endpoint() {
  return numbered("tcp://127.0.0.1:", pick_free_port());
}

// A listening TCP socket on a free loopback port, so that kvnode finds the port in use.
class PortHolder {
 public:
  PortHolder() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 4);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~PortHolder() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

::testing::AssertionResult IsOneLineError(const RunResult& run, int exit_code,
                                          const std::vector<std::string>& must_mention) {
  if (!run.status.exited_with(exit_code)) {
    return ::testing::AssertionFailure() << "expected exit status " << exit_code << ", kvnode "
                                         << run.status.describe() << "; stderr:\n"
                                         << run.stderr_text;
  }
  const auto lines = non_empty_lines(run.stderr_text);
  if (lines.size() != 1) {
    return ::testing::AssertionFailure()
           << "expected exactly one line on stderr, got " << lines.size() << ":\n"
           << run.stderr_text;
  }
  for (const auto& text : must_mention) {
    if (lines[0].find(text) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "stderr line does not mention \"" << text << "\": " << lines[0];
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- --help and --version --------------------------------------------------------------------

TEST(KvnodeCommandLineTest, HelpExitsZeroAndListsEveryFlag) {
  const RunResult run = run_kvnode({"--help"});
  EXPECT_TRUE(run.status.exited_with(0)) << run.status.describe() << "\n" << run.stderr_text;
  for (const std::string flag : {"--config", "--http-listen", "--feed-endpoint", "--data-dir",
                                 "--persistence", "--log-level", "--help", "--version"}) {
    EXPECT_NE(run.stdout_text.find(flag), std::string::npos) << flag << " missing from:\n"
                                                             << run.stdout_text;
  }
}

TEST(KvnodeCommandLineTest, VersionExitsZeroAndPrintsTheProjectVersion) {
  const std::string version = project_version();
  ASSERT_FALSE(version.empty());
  const RunResult run = run_kvnode({"--version"});
  EXPECT_TRUE(run.status.exited_with(0)) << run.status.describe() << "\n" << run.stderr_text;
  EXPECT_NE(run.stdout_text.find(version), std::string::npos) << run.stdout_text;
}

// ---- bad config files ------------------------------------------------------------------------

struct BadConfigCase {
  std::string name;
  std::string toml;
  std::string key;  // what the error line must name besides the file
};

// Readable parameter names in test listings (ctest shows them).
void PrintTo(const BadConfigCase& c, std::ostream* out) {
  *out << c.name;
}

class BadConfigFileTest : public ::testing::TestWithParam<BadConfigCase> {};

TEST_P(BadConfigFileTest, ExitsTwoWithOneLineNamingTheFileAndTheKey) {
  TempDir dir;
  const std::string path = dir.write_file("kvnode.toml", GetParam().toml);
  const RunResult run =
      run_kvnode({"--config", path, "--http-listen", free_listen_address(), "--feed-endpoint",
                  free_feed_endpoint(), "--data-dir", (dir.path() / "data").string()},
                 10s);
  EXPECT_TRUE(IsOneLineError(run, 2, {path, GetParam().key}));
}

INSTANTIATE_TEST_SUITE_P(
    Config, BadConfigFileTest,
    ::testing::Values(
        BadConfigCase{"ThreadsZero", "[http]\nthreads = 0\n", "threads"},
        BadConfigCase{"ThreadsNotANumber", "[http]\nthreads = \"two\"\n", "threads"},
        BadConfigCase{"UnknownKey", "[http]\nthreads = 2\nbogus_setting = 1\n", "bogus_setting"},
        BadConfigCase{"UnknownSection", "[nonsense]\na = 1\n", "nonsense"},
        BadConfigCase{"NegativeDrain", "[http]\ndrain_seconds = -1\n", "drain_seconds"},
        BadConfigCase{"ListenWithoutPort", "[http]\nlisten = \"no-port-here\"\n", "listen"},
        BadConfigCase{"PersistenceDisk", "[storage]\npersistence = \"disk\"\n", "persistence"},
        BadConfigCase{"FsyncSometimes", "[storage]\nfsync = \"sometimes\"\n", "fsync"},
        BadConfigCase{"ZeroPartitions", "[partitions]\ncount = 0\n", "count"},
        BadConfigCase{"UnorderedSplitPoints", "[partitions]\nsplit_points = [\"n\", \"g\"]\n",
                      "split_points"},
        BadConfigCase{"ZeroMaxKeyBytes", "[limits]\nmax_key_bytes = 0\n", "max_key_bytes"},
        BadConfigCase{"LogLevelLoud", "[log]\nlevel = \"loud\"\n", "level"},
        BadConfigCase{"NodeIdNotAString", "[node]\nid = 7\n", "id"},
        BadConfigCase{"TomlSyntaxError", "[http\nthreads = 2\n", ""},
        BadConfigCase{"FeedPortTooLarge", "[feed]\nzmq_endpoint = \"tcp://127.0.0.1:99999\"\n",
                      "zmq_endpoint"},
        BadConfigCase{"FileOverOneMebibyte", "# " + std::string(std::size_t{1} << 20, 'x') + "\n",
                      "larger than"}),
    [](const ::testing::TestParamInfo<BadConfigCase>& info) { return info.param.name; });

TEST(KvnodeCommandLineTest, MissingConfigFileExitsTwoWithOneLineNamingTheFile) {
  TempDir dir;
  const std::string path = (dir.path() / "does-not-exist.toml").string();
  const RunResult run = run_kvnode({"--config", path, "--http-listen", free_listen_address(),
                                    "--feed-endpoint", free_feed_endpoint()},
                                   10s);
  EXPECT_TRUE(IsOneLineError(run, 2, {path}));
}

// Read without end today, growing the node's memory until something kills it.
TEST(KvnodeCommandLineTest, ConfigFromADeviceExitsTwoWithOneLine) {
  const RunResult run = run_kvnode({"--config", "/dev/zero", "--http-listen", free_listen_address(),
                                    "--feed-endpoint", free_feed_endpoint()},
                                   10s);
  EXPECT_TRUE(IsOneLineError(run, 2, {"/dev/zero", "not a regular file"}));
}

// ---- a data_dir the node cannot use ----------------------------------------------------------

// Runs a node with a write-ahead log in `data_dir`.
RunResult run_with_data_dir(const TempDir& dir, const std::string& data_dir) {
  const std::string config = dir.write_file(
      "kvnode.toml", "[node]\ndata_dir = \"" + data_dir + "\"\n[storage]\npersistence = \"wal\"\n");
  return run_kvnode({"--config", config, "--http-listen", free_listen_address(), "--feed-endpoint",
                     free_feed_endpoint()},
                    10s);
}

TEST(KvnodeDataDirTest, ARegularFileExitsTwoWithOneLineNamingTheKey) {
  TempDir dir;
  const std::string file = dir.write_file("not-a-dir", "x");
  EXPECT_TRUE(
      IsOneLineError(run_with_data_dir(dir, file), 2, {"node.data_dir", file, "not a directory"}));
}

TEST(KvnodeDataDirTest, APathThroughARegularFileExitsTwoWithOneLineNamingTheKey) {
  TempDir dir;
  const std::string inside = dir.write_file("not-a-dir", "x") + "/data";
  EXPECT_TRUE(IsOneLineError(run_with_data_dir(dir, inside), 2, {"node.data_dir", inside}));
}

TEST(KvnodeDataDirTest, AnUnwritableDirectoryExitsTwoWithOneLineNamingTheKey) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into any directory";
  TempDir dir;
  const std::filesystem::path read_only = dir.path() / "read-only";
  std::filesystem::create_directory(read_only);
  std::filesystem::permissions(
      read_only, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_TRUE(IsOneLineError(run_with_data_dir(dir, read_only.string()), 2,
                             {"node.data_dir", "not writable"}));
  std::filesystem::permissions(read_only, std::filesystem::perms::owner_all);
}

TEST(KvnodeDataDirTest, IsNotCheckedWithoutPersistence) {
  NodeProcess node;  // its --data-dir is work_dir/data: a file here
  node.work_dir().write_file("data", "x");
  std::string error;
  EXPECT_TRUE(node.start(&error)) << error;
}

// ---- bad flags -------------------------------------------------------------------------------

struct BadFlagCase {
  std::string name;
  std::vector<std::string> args;
  std::string mention;
};

void PrintTo(const BadFlagCase& c, std::ostream* out) {
  *out << c.name;
}

class BadFlagTest : public ::testing::TestWithParam<BadFlagCase> {};

TEST_P(BadFlagTest, ExitsTwoWithOneLineNamingTheFlag) {
  TempDir dir;
  std::vector<std::string> args = {"--feed-endpoint", free_feed_endpoint(), "--data-dir",
                                   (dir.path() / "data").string()};
  const auto& bad = GetParam().args;
  if (std::find(bad.begin(), bad.end(), "--http-listen") == bad.end()) {
    args.insert(args.end(), {"--http-listen", free_listen_address()});
  }
  args.insert(args.end(), bad.begin(), bad.end());
  EXPECT_TRUE(IsOneLineError(run_kvnode(args, 10s), 2, {GetParam().mention}));
}

INSTANTIATE_TEST_SUITE_P(
    Flags, BadFlagTest,
    ::testing::Values(
        BadFlagCase{"PersistenceDisk", {"--persistence", "disk"}, "persistence"},
        BadFlagCase{"LogLevelLoud", {"--log-level", "loud"}, "log-level"},
        BadFlagCase{"ListenWithoutPort", {"--http-listen", "127.0.0.1"}, "http-listen"},
        BadFlagCase{"ListenPortTooLarge", {"--http-listen", "127.0.0.1:70000"}, "http-listen"},
        BadFlagCase{"UnknownFlag", {"--no-such-flag"}, "no-such-flag"},
        BadFlagCase{"ConfigWithoutValue", {"--config"}, "config"}),
    [](const ::testing::TestParamInfo<BadFlagCase>& info) { return info.param.name; });

// ---- ports in use ----------------------------------------------------------------------------

TEST(KvnodeStartupTest, HttpPortInUseExitsOneWithAMessage) {
  PortHolder taken;
  TempDir dir;
  const RunResult run =
      run_kvnode({"--http-listen", numbered("127.0.0.1:", taken.port()), "--feed-endpoint",
                  free_feed_endpoint(), "--data-dir", (dir.path() / "data").string()},
                 5s);
  EXPECT_TRUE(run.status.exited_with(1)) << run.status.describe() << "\n" << run.stderr_text;
  EXPECT_NE(run.stderr_text.find(std::to_string(taken.port())), std::string::npos)
      << "the message should name the port:\n"
      << run.stderr_text;
}

// ---- signals ---------------------------------------------------------------------------------

class KvnodeLifecycleTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && node_) print_node_stderr(*node_);
  }

  // Starts a node with `args` (a config file can be written to dir_ first).
  ::testing::AssertionResult Start(std::vector<std::string> args = {}) {
    node_ = std::make_unique<NodeProcess>(std::move(args));
    std::string error;
    if (!node_->start(&error)) return ::testing::AssertionFailure() << error;
    return ::testing::AssertionSuccess();
  }

  KvClient client() { return KvClient(node_->host(), node_->http_port(), false); }

  nlohmann::json info() { return client().get("/v1/info").json(); }

  TempDir dir_;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(KvnodeLifecycleTest, SigtermStopsTheNodeWithStatusZero) {
  ASSERT_TRUE(Start());
  const ExitStatus status = node_->stop(20s);
  EXPECT_TRUE(status.exited_with(0)) << status.describe();
}

TEST_F(KvnodeLifecycleTest, SigintStopsTheNodeWithStatusZero) {
  ASSERT_TRUE(Start());
  ASSERT_TRUE(IsWriteReply(client().put_key("k", "v"), "k", 1, true));
  node_->send_signal(SIGINT);
  const ExitStatus status = node_->wait_for_exit(20s);
  EXPECT_TRUE(status.exited_with(0)) << status.describe();
}

TEST_F(KvnodeLifecycleTest, SigtermTurnsReadinessUnavailableWhileDrainingThenExitsZero) {
  const std::string config = dir_.write_file("kvnode.toml", "[http]\ndrain_seconds = 4\n");
  ASSERT_TRUE(Start({"--config", config}));
  ASSERT_TRUE(IsWriteReply(client().put_key("k", "v"), "k", 1, true));
  ASSERT_TRUE(IsJsonReply(client().get("/v1/readiness"), 200, {{"status", "serving"}}));

  node_->send_signal(SIGTERM);
  // Bounded poll: readiness must turn 503 while the node drains.
  Reply readiness;
  const auto deadline = std::chrono::steady_clock::now() + 4s;
  do {
    readiness = client().get("/v1/readiness");
    if (readiness.status != 200) break;
    std::this_thread::sleep_for(10ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(IsErrorReply(readiness, 503, "unavailable"));
  EXPECT_TRUE(IsJsonReply(client().get("/v1/ping"), 200, {{"status", "ok"}}))
      << "the node must keep answering while it drains";
  EXPECT_TRUE(IsValueReply(client().get_key("k"), "v", 1));

  const ExitStatus status = node_->wait_for_exit(30s);
  EXPECT_TRUE(status.exited_with(0)) << status.describe();
}

// ---- config values ---------------------------------------------------------------------------

TEST_F(KvnodeLifecycleTest, ConfigFileNodeIdAndSplitPointsAreUsed) {
  const std::string config =
      dir_.write_file("kvnode.toml",
                      "[node]\nid = \"it-node-7\"\n"
                      "[partitions]\nsplit_points = [\"g\", \"n\", \"t\"]\n");
  ASSERT_TRUE(Start({"--config", config}));
  for (const std::string key : {"apple", "house", "pear", "zebra", "go"}) {
    ASSERT_TRUE(IsWriteReply(client().put_key(key, "v"), key, 1, true));
  }
  const nlohmann::json got = info();
  EXPECT_EQ(got["node_id"], "it-node-7");
  const nlohmann::json expected = nlohmann::json::array({
      {{"id", 0}, {"start", ""}, {"end", "67"}, {"keys", 1}, {"bytes", 6}},
      {{"id", 1}, {"start", "67"}, {"end", "6e"}, {"keys", 2}, {"bytes", 9}},
      {{"id", 2}, {"start", "6e"}, {"end", "74"}, {"keys", 1}, {"bytes", 5}},
      {{"id", 3}, {"start", "74"}, {"end", nullptr}, {"keys", 1}, {"bytes", 6}},
  });
  EXPECT_EQ(got["partitions"], expected);
}

TEST_F(KvnodeLifecycleTest, ConfigFilePartitionCountGivesRangesOfEqualWidth) {
  const std::string config = dir_.write_file("kvnode.toml", "[partitions]\ncount = 4\n");
  ASSERT_TRUE(Start({"--config", config}));
  const nlohmann::json expected = nlohmann::json::array({
      {{"id", 0}, {"start", ""}, {"end", "40"}, {"keys", 0}, {"bytes", 0}},
      {{"id", 1}, {"start", "40"}, {"end", "80"}, {"keys", 0}, {"bytes", 0}},
      {{"id", 2}, {"start", "80"}, {"end", "c0"}, {"keys", 0}, {"bytes", 0}},
      {{"id", 3}, {"start", "c0"}, {"end", nullptr}, {"keys", 0}, {"bytes", 0}},
  });
  EXPECT_EQ(info()["partitions"], expected);
}

TEST_F(KvnodeLifecycleTest, ConfigFileLimitsAreEnforced) {
  const std::string config =
      dir_.write_file("kvnode.toml", "[limits]\nmax_key_bytes = 8\nmax_value_bytes = 64\n");
  ASSERT_TRUE(Start({"--config", config}));
  EXPECT_TRUE(
      IsWriteReply(client().put_key("12345678", std::string(64, 'v')), "12345678", 1, true));
  EXPECT_TRUE(IsErrorReply(client().put_key("123456789", "v"), 400, "bad_request"));
  EXPECT_TRUE(
      IsErrorReply(client().put_key("short", std::string(65, 'v')), 413, "payload_too_large"));
  EXPECT_TRUE(IsErrorReply(client().post_batch({{"short", std::string(65, 'v')}}), 413,
                           "payload_too_large"));
  EXPECT_TRUE(IsMissingKeyReply(client().get_key("short"), "short"));
}

TEST_F(KvnodeLifecycleTest, FlagsOverrideTheConfigFile) {
  PortHolder taken_http;
  PortHolder taken_feed;
  // The file points at ports in use; the flags NodeProcess adds must win.
  const std::string config = dir_.write_file(
      "kvnode.toml", "[node]\nid = \"from-file\"\n[http]\nlisten = \"127.0.0.1:" +
                         std::to_string(taken_http.port()) +
                         "\"\n[feed]\nzmq_endpoint = \"tcp://127.0.0.1:" +
                         std::to_string(taken_feed.port()) + "\"\n[log]\nlevel = \"info\"\n");
  ASSERT_TRUE(Start({"--config", config, "--log-level", "warn"}));
  EXPECT_EQ(info()["node_id"], "from-file");
}

// ---- logs ------------------------------------------------------------------------------------

TEST_F(KvnodeLifecycleTest, ValuesNeverAppearInTheLogEvenAtTraceLevel) {
  ASSERT_TRUE(Start({"--log-level", "trace"}));
  const std::string put_marker = "PUT-VALUE-MARKER-7c1e";
  const std::string post_marker = "POSTED-VALUE-MARKER-93ab";
  const std::string batch_marker = "BATCH-VALUE-MARKER-55d0";
  KvClient kv = client();
  ASSERT_TRUE(IsWriteReply(kv.put_key("logged/put", put_marker), "logged/put", 1, true));
  ASSERT_TRUE(IsWriteReply(kv.post_key_base64("logged/post", post_marker), "logged/post", 1, true));
  ASSERT_TRUE(IsJsonReply(kv.post_batch({{"logged/batch", batch_marker}}), 200, {{"written", 1}}));
  ASSERT_TRUE(IsValueReply(kv.get_key("logged/put"), put_marker, 1));
  ASSERT_EQ(kv.get("/v1/keys?values=true").status, 200);
  ASSERT_EQ(kv.get("/").status, 200);
  ASSERT_EQ(kv.get("/get/logged/post").status, 200);
  const ExitStatus status = node_->stop(20s);
  EXPECT_TRUE(status.exited_with(0)) << status.describe();

  const std::string log = node_->stderr_text();
  for (const auto& marker : {put_marker, post_marker, batch_marker}) {
    EXPECT_EQ(log.find(marker), std::string::npos) << marker << " leaked into the log";
    EXPECT_EQ(log.find(base64_encode(marker)), std::string::npos)
        << marker << " leaked into the log as base64";
  }
  EXPECT_EQ(node_->stdout_text(), "") << "logs go to stderr, not stdout";
}

}  // namespace
}  // namespace kvtest
