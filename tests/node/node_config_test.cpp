// Tests of kvnode's configuration: the TOML file and flags of contract section 4.
#include "node/node_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <regex>
#include <string>
#include <vector>

namespace kv {
namespace {

// The example file of contract section 4, verbatim.
constexpr const char* kContractExample = R"toml([node]
id = "node-1"
data_dir = "./data"
[http]
listen = "127.0.0.1:8080"
threads = 2
drain_seconds = 0
[feed]
zmq_endpoint = "tcp://127.0.0.1:5556"
history_events = 100000
history_bytes = 67108864
[partitions]
count = 16              # key ranges of equal width, or:
# split_points = ["g", "n", "t"]
[storage]
persistence = "none"    # "none" | "wal"
fsync = "everysec"      # "always" | "everysec" | "no"
[limits]
max_key_bytes = 250
max_value_bytes = 1048576
[log]
level = "info"
)toml";

// Every key set to something other than its default, so that each one is seen to be read.
constexpr const char* kEveryKeyChanged = R"toml([node]
id = "eu-west_2.node-7"
data_dir = "/var/lib/kvactor"
[http]
listen = "0.0.0.0:9090"
threads = 8
drain_seconds = 30
[feed]
zmq_endpoint = "ipc:///run/kvactor/feed"
advertise = "tcp://[2001:db8::7]:6556"
history_events = 5000
history_bytes = 1048576
zmq_high_water_mark = 50000
[partitions]
split_points = ["g", "n", "t"]
[storage]
persistence = "wal"
fsync = "always"
snapshot_log_multiple = 2.5
snapshot_min_log_bytes = 1048576
[limits]
max_key_bytes = 1024
max_value_bytes = 4194304
[log]
level = "debug"
)toml";

// The contract's defaults, spelled out rather than taken from node_config{}, so that a changed
// default in the header is caught.
void expect_contract_defaults(const node_config& config) {
  EXPECT_EQ(config.node_id, "node-1");
  EXPECT_EQ(config.data_dir, "./data");
  EXPECT_EQ(config.http_listen.host, "127.0.0.1");
  EXPECT_EQ(config.http_listen.port, 8080);
  EXPECT_EQ(config.http_threads, 2);
  EXPECT_EQ(config.drain_seconds, 0);
  EXPECT_EQ(config.feed_endpoint, "tcp://127.0.0.1:5556");
  EXPECT_EQ(config.feed_advertise, "");
  EXPECT_EQ(config.history_events, 100000u);
  EXPECT_EQ(config.history_bytes, 67108864u);
  EXPECT_EQ(config.zmq_high_water_mark, 1000);  // not in the contract: ZeroMQ's own default
  EXPECT_EQ(config.partition_count, 16u);
  EXPECT_TRUE(config.split_points.empty());
  EXPECT_EQ(config.persistence, persistence_mode::none);
  EXPECT_EQ(config.fsync, fsync_mode::everysec);
  EXPECT_EQ(config.max_key_bytes, 250u);
  EXPECT_EQ(config.max_value_bytes, 1048576u);
  EXPECT_EQ(config.log_level, "info");
}

// The message of the config_error that `parse` throws; a failure when it throws none.
template <class Parse>
std::string config_error_of(Parse parse) {
  try {
    parse();
  } catch (const config_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    return message;
  }
  ADD_FAILURE() << "no config_error";
  return "";
}

command_line parse_args(std::vector<std::string> args) {
  args.insert(args.begin(), "kvnode");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

std::string flag_error(const std::vector<std::string>& args) {
  return config_error_of([&] { parse_args(args); });
}

// Gives each test its own directory for config files and removes it afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kvactor-config-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` to a file in the test's directory and returns its path.
  std::string write(const std::string& text, const std::string& name = "node.toml") {
    const std::string path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The error of loading `text`, with the "config PATH: " prefix checked and removed.
  std::string load_error(const std::string& text) {
    const std::string path = write(text);
    const std::string message = config_error_of([&] { load_config_file(path); });
    const std::string prefix = "config " + path + ": ";
    EXPECT_EQ(message.substr(0, prefix.size()), prefix);
    return message.substr(std::min(prefix.size(), message.size()));
  }

  std::filesystem::path dir_;
};

// Defaults and valid files.

TEST(ConfigCommandLineTest, NoFlagsRunsOnTheContractDefaults) {
  const command_line line = parse_args({});
  EXPECT_EQ(line.what, command_line::action::run);
  EXPECT_EQ(line.output, "");
  expect_contract_defaults(line.config);
}

TEST_F(ConfigTest, ContractExampleLoads) {
  expect_contract_defaults(load_config_file(write(kContractExample)));
}

TEST_F(ConfigTest, EmptyFileKeepsTheDefaults) {
  expect_contract_defaults(load_config_file(write("")));
}

TEST_F(ConfigTest, EveryKeyIsRead) {
  const node_config config = load_config_file(write(kEveryKeyChanged));
  EXPECT_EQ(config.node_id, "eu-west_2.node-7");
  EXPECT_EQ(config.data_dir, "/var/lib/kvactor");
  EXPECT_EQ(config.http_listen.host, "0.0.0.0");
  EXPECT_EQ(config.http_listen.port, 9090);
  EXPECT_EQ(config.http_threads, 8);
  EXPECT_EQ(config.drain_seconds, 30);
  EXPECT_EQ(config.feed_endpoint, "ipc:///run/kvactor/feed");
  EXPECT_EQ(config.feed_advertise, "tcp://[2001:db8::7]:6556");
  EXPECT_EQ(config.history_events, 5000u);
  EXPECT_EQ(config.history_bytes, 1048576u);
  EXPECT_EQ(config.zmq_high_water_mark, 50000);
  EXPECT_EQ(config.split_points, (std::vector<std::string>{"g", "n", "t"}));
  EXPECT_EQ(config.partition_count, 4u);
  EXPECT_EQ(config.persistence, persistence_mode::wal);
  EXPECT_EQ(config.fsync, fsync_mode::always);
  EXPECT_EQ(config.snapshot_log_multiple, 2.5);
  EXPECT_EQ(config.snapshot_min_log_bytes, 1048576u);
  EXPECT_EQ(config.max_key_bytes, 1024u);
  EXPECT_EQ(config.max_value_bytes, 4194304u);
  EXPECT_EQ(config.log_level, "debug");
}

TEST_F(ConfigTest, SnapshotKeysDefaultAndTakeWholeNumbers) {
  const node_config defaults = load_config_file(write(""));
  EXPECT_EQ(defaults.snapshot_log_multiple, 4.0);
  EXPECT_EQ(defaults.snapshot_min_log_bytes, std::uint64_t{16} << 20);
  EXPECT_FALSE(defaults.repair);
  EXPECT_EQ(load_config_file(write("storage.snapshot_log_multiple = 1")).snapshot_log_multiple,
            1.0);
  EXPECT_EQ(load_config_file(write("storage.snapshot_min_log_bytes = 4096")).snapshot_min_log_bytes,
            4096u);
}

TEST_F(ConfigTest, PartialFileKeepsTheOtherDefaults) {
  node_config expected;
  expected.http_threads = 4;
  const node_config config = load_config_file(write("[http]\nthreads = 4\n"));
  EXPECT_EQ(config.http_threads, 4);
  EXPECT_EQ(config.http_listen.port, expected.http_listen.port);
  EXPECT_EQ(config.partition_count, expected.partition_count);
  EXPECT_EQ(config.log_level, expected.log_level);
}

TEST_F(ConfigTest, RangeLimitsAreAccepted) {
  const node_config low = load_config_file(write(R"toml(
node.id = "a"
http = { listen = "h:0", threads = 1, drain_seconds = 0 }
feed = { zmq_endpoint = "inproc://f", history_events = 0, history_bytes = 0, zmq_high_water_mark = 1 }
partitions.count = 1
limits = { max_key_bytes = 1, max_value_bytes = 1 }
)toml"));
  EXPECT_EQ(low.http_listen.port, 0);
  EXPECT_EQ(low.http_threads, 1);
  EXPECT_EQ(low.partition_count, 1u);
  EXPECT_EQ(low.max_value_bytes, 1u);
  EXPECT_EQ(low.zmq_high_water_mark, 1);

  const node_config high = load_config_file(write(R"toml(
node.id = ")toml" + std::string(128, 'x') + R"toml("
http = { listen = "h:65535", threads = 64, drain_seconds = 3600 }
feed = { history_events = 100000000, history_bytes = 1099511627776, zmq_high_water_mark = 10000000 }
partitions.count = 4096
limits = { max_key_bytes = 65535, max_value_bytes = 536870912 }
)toml"));
  EXPECT_EQ(high.node_id.size(), 128u);
  EXPECT_EQ(high.http_listen.port, 65535);
  EXPECT_EQ(high.http_threads, 64);
  EXPECT_EQ(high.drain_seconds, 3600);
  EXPECT_EQ(high.history_events, 100000000u);
  EXPECT_EQ(high.history_bytes, std::size_t{1} << 40);
  EXPECT_EQ(high.zmq_high_water_mark, 10000000);
  EXPECT_EQ(high.partition_count, 4096u);
  EXPECT_EQ(high.max_key_bytes, 65535u);
  EXPECT_EQ(high.max_value_bytes, std::size_t{512} << 20);
}

TEST_F(ConfigTest, EveryPersistenceFsyncAndLogLevelIsAccepted) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(load_config_file(write(std::string("log.level = \"") + level + "\"")).log_level,
              level);
  }
  EXPECT_EQ(load_config_file(write("storage.persistence = \"none\"")).persistence,
            persistence_mode::none);
  EXPECT_EQ(load_config_file(write("storage.fsync = \"everysec\"")).fsync, fsync_mode::everysec);
  EXPECT_EQ(load_config_file(write("storage.fsync = \"no\"")).fsync, fsync_mode::no);
}

TEST_F(ConfigTest, SplitPointsAreOrderedBytewise) {
  // 'B' (0x42) sorts before 'a' (0x61), and "é" (0xC3 0xA9) after "z" (0x7A).
  const node_config config =
      load_config_file(write("partitions.split_points = [\"B\", \"a\", \"z\", \"\u00e9\"]"));
  EXPECT_EQ(config.split_points, (std::vector<std::string>{"B", "a", "z", "\u00e9"}));
  EXPECT_EQ(config.partition_count, 5u);
}

TEST_F(ConfigTest, EmptySplitPointsMeanOnePartition) {
  const node_config config = load_config_file(write("partitions.split_points = []"));
  EXPECT_TRUE(config.split_points.empty());
  EXPECT_EQ(config.partition_count, 1u);
}

// partitions.split_points = ["k0000", "k0001", ...], `count` of them.
std::string many_split_points(int count) {
  std::string text = "partitions.split_points = [";
  for (int i = 0; i < count; ++i) {
    char point[16];
    std::snprintf(point, sizeof point, "\"k%04d\",", i);
    text += point;
  }
  return text + "]";
}

TEST_F(ConfigTest, AtMost4095SplitPoints) {
  EXPECT_EQ(load_config_file(write(many_split_points(4095))).partition_count, 4096u);
  EXPECT_EQ(load_error(many_split_points(4096)),
            "partitions.split_points: must have at most 4095 entries, got 4096");
}

// Errors in the file. Each is the whole message after "config PATH: ".

struct bad_file {
  const char* name;  // of the test
  const char* toml;
  const char* error;
};

class ConfigFileErrorTest : public ConfigTest, public ::testing::WithParamInterface<bad_file> {};

TEST_P(ConfigFileErrorTest, NamesTheKeyAndTheProblem) {
  EXPECT_EQ(load_error(GetParam().toml), GetParam().error);
}

constexpr bad_file kBadFiles[] = {
    // [node]
    {"IdEmpty", R"(node.id = "")",
     R"(node.id: must be 1 to 128 characters from A-Z a-z 0-9 . _ -, got "")"},
    {"IdWithSpace", R"(node.id = "node 1")",
     R"(node.id: must be 1 to 128 characters from A-Z a-z 0-9 . _ -, got "node 1")"},
    {"IdWithSlash", R"(node.id = "a/b")",
     R"(node.id: must be 1 to 128 characters from A-Z a-z 0-9 . _ -, got "a/b")"},
    {"IdNotString", R"(node.id = 7)", R"(node.id: must be a string, got 7)"},
    {"DataDirEmpty", R"(node.data_dir = "")", R"(node.data_dir: must not be empty, got "")"},
    // [http]
    {"ListenWithoutPort", R"(http.listen = "localhost")",
     R"(http.listen: expected HOST:PORT, got "localhost")"},
    {"ListenPortTooBig", R"(http.listen = "127.0.0.1:65536")",
     R"(http.listen: port must be an integer from 0 to 65535, got "127.0.0.1:65536")"},
    {"ListenPortNotNumber", R"(http.listen = "127.0.0.1:http")",
     R"(http.listen: port must be an integer from 0 to 65535, got "127.0.0.1:http")"},
    {"ListenEmptyHost", R"(http.listen = ":8080")",
     R"(http.listen: host must not be empty, got ":8080")"},
    {"ListenIpv6WithoutBrackets", R"(http.listen = "::1:8080")",
     R"(http.listen: an IPv6 host must be in brackets, as [::1]:8080, got "::1:8080")"},
    {"ListenNotString", R"(http.listen = 8080)", R"(http.listen: must be a string, got 8080)"},
    {"ThreadsZero", R"(http.threads = 0)",
     R"(http.threads: must be an integer from 1 to 64, got 0)"},
    {"ThreadsTooMany", R"(http.threads = 65)",
     R"(http.threads: must be an integer from 1 to 64, got 65)"},
    {"ThreadsString", R"(http.threads = "2")",
     R"(http.threads: must be an integer from 1 to 64, got "2")"},
    {"ThreadsFloat", R"(http.threads = 2.0)",
     R"(http.threads: must be an integer from 1 to 64, got 2.0)"},
    {"ThreadsBool", R"(http.threads = true)",
     R"(http.threads: must be an integer from 1 to 64, got true)"},
    {"DrainNegative", R"(http.drain_seconds = -1)",
     R"(http.drain_seconds: must be an integer from 0 to 3600, got -1)"},
    {"DrainTooLong", R"(http.drain_seconds = 3601)",
     R"(http.drain_seconds: must be an integer from 0 to 3600, got 3601)"},
    // [feed]
    {"EndpointUnknownScheme", R"(feed.zmq_endpoint = "udp://127.0.0.1:5556")",
     R"(feed.zmq_endpoint: must be tcp://, ipc:// or inproc:// followed by an address, got "udp://127.0.0.1:5556")"},
    {"EndpointOnlyScheme", R"(feed.zmq_endpoint = "tcp://")",
     R"(feed.zmq_endpoint: must be tcp://, ipc:// or inproc:// followed by an address, got "tcp://")"},
    {"AdvertiseWildcardHost", R"(feed.advertise = "tcp://0.0.0.0:5556")",
     R"(feed.advertise: must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port from 1 to 65535, or ipc://PATH, got "tcp://0.0.0.0:5556")"},
    {"AdvertiseStarHost", R"(feed.advertise = "tcp://*:5556")",
     R"(feed.advertise: must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port from 1 to 65535, or ipc://PATH, got "tcp://*:5556")"},
    {"AdvertiseWildcardPort", R"(feed.advertise = "tcp://feed.example:*")",
     R"(feed.advertise: must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port from 1 to 65535, or ipc://PATH, got "tcp://feed.example:*")"},
    {"AdvertiseNoPort", R"(feed.advertise = "tcp://feed.example")",
     R"(feed.advertise: must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port from 1 to 65535, or ipc://PATH, got "tcp://feed.example")"},
    {"AdvertisePortZero", R"(feed.advertise = "tcp://feed.example:0")",
     R"(feed.advertise: must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port from 1 to 65535, or ipc://PATH, got "tcp://feed.example:0")"},
    {"AdvertiseInproc", R"(feed.advertise = "inproc://feed")",
     R"(feed.advertise: must be tcp://HOST:PORT with a host clients can reach (not 0.0.0.0, :: or *) and a port from 1 to 65535, or ipc://PATH, got "inproc://feed")"},
    {"EndpointPortTooLarge", R"(feed.zmq_endpoint = "tcp://127.0.0.1:99999")",
     R"(feed.zmq_endpoint: a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port, got "tcp://127.0.0.1:99999")"},
    {"EndpointPortZero", R"(feed.zmq_endpoint = "tcp://127.0.0.1:0")",
     R"(feed.zmq_endpoint: a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port, got "tcp://127.0.0.1:0")"},
    {"EndpointPortNegative", R"(feed.zmq_endpoint = "tcp://127.0.0.1:-1")",
     R"(feed.zmq_endpoint: a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port, got "tcp://127.0.0.1:-1")"},
    {"EndpointPortSigned", R"(feed.zmq_endpoint = "tcp://127.0.0.1:+5556")",
     R"(feed.zmq_endpoint: a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port, got "tcp://127.0.0.1:+5556")"},
    {"EndpointWithoutPort", R"(feed.zmq_endpoint = "tcp://127.0.0.1")",
     R"(feed.zmq_endpoint: a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port, got "tcp://127.0.0.1")"},
    {"EndpointWithoutHost", R"(feed.zmq_endpoint = "tcp://:5556")",
     R"(feed.zmq_endpoint: a tcp:// endpoint must name a host or interface before :PORT, got "tcp://:5556")"},
    {"HistoryEventsNegative", R"(feed.history_events = -1)",
     R"(feed.history_events: must be an integer from 0 to 100000000, got -1)"},
    {"HistoryEventsTooMany", R"(feed.history_events = 100000001)",
     R"(feed.history_events: must be an integer from 0 to 100000000, got 100000001)"},
    {"HistoryBytesTooMany", R"(feed.history_bytes = 1099511627777)",
     R"(feed.history_bytes: must be an integer from 0 to 1099511627776, got 1099511627777)"},
    {"HistoryBytesArray", R"(feed.history_bytes = [1])",
     R"(feed.history_bytes: must be an integer from 0 to 1099511627776, got an array)"},
    {"HighWaterMarkZero", R"(feed.zmq_high_water_mark = 0)",
     R"(feed.zmq_high_water_mark: must be an integer from 1 to 10000000, got 0)"},
    {"HighWaterMarkTooMany", R"(feed.zmq_high_water_mark = 10000001)",
     R"(feed.zmq_high_water_mark: must be an integer from 1 to 10000000, got 10000001)"},
    // [partitions]
    {"CountZero", R"(partitions.count = 0)",
     R"(partitions.count: must be an integer from 1 to 4096, got 0)"},
    {"CountTooMany", R"(partitions.count = 4097)",
     R"(partitions.count: must be an integer from 1 to 4096, got 4097)"},
    {"CountAndSplitPoints", "[partitions]\ncount = 4\nsplit_points = [\"m\"]",
     R"(set partitions.count or partitions.split_points, not both)"},
    {"SplitPointsNotArray", R"(partitions.split_points = "g")",
     R"(partitions.split_points: must be an array of strings, got "g")"},
    {"SplitPointNotString", R"(partitions.split_points = ["g", 5])",
     R"(partitions.split_points[1]: must be a non-empty string, got 5)"},
    {"SplitPointEmpty", R"(partitions.split_points = [""])",
     R"(partitions.split_points[0]: must be a non-empty string, got "")"},
    {"SplitPointRepeated", R"(partitions.split_points = ["g", "g"])",
     R"(partitions.split_points[1]: must be greater than "g", the split point before it, got "g")"},
    {"SplitPointsDecreasing", R"(partitions.split_points = ["g", "t", "n"])",
     R"(partitions.split_points[2]: must be greater than "t", the split point before it, got "n")"},
    {"SplitPointsNotBytewise", "partitions.split_points = [\"\u00e9\", \"z\"]",
     "partitions.split_points[1]: must be greater than \"\u00e9\", the split point before it, got "
     "\"z\""},
    // [storage]
    {"PersistenceUnknown", R"(storage.persistence = "disk")",
     R"(storage.persistence: must be "none" or "wal", got "disk")"},
    {"PersistenceUppercase", R"(storage.persistence = "WAL")",
     R"(storage.persistence: must be "none" or "wal", got "WAL")"},
    {"FsyncUnknown", R"(storage.fsync = "sometimes")",
     R"(storage.fsync: must be "always", "everysec" or "no", got "sometimes")"},
    {"FsyncBool", R"(storage.fsync = false)", R"(storage.fsync: must be a string, got false)"},
    {"SnapshotMultipleBelowOne", R"(storage.snapshot_log_multiple = 0.5)",
     R"(storage.snapshot_log_multiple: must be a number from 1 to 1000, got 0.5)"},
    {"SnapshotMultipleNan", R"(storage.snapshot_log_multiple = nan)",
     R"(storage.snapshot_log_multiple: must be a number from 1 to 1000, got nan)"},
    {"SnapshotMultipleString", R"(storage.snapshot_log_multiple = "4")",
     R"(storage.snapshot_log_multiple: must be a number from 1 to 1000, got "4")"},
    {"SnapshotMinZero", R"(storage.snapshot_min_log_bytes = 0)",
     R"(storage.snapshot_min_log_bytes: must be an integer from 4096 to 1099511627776, got 0)"},
    // [limits]
    {"MaxKeyZero", R"(limits.max_key_bytes = 0)",
     R"(limits.max_key_bytes: must be an integer from 1 to 65535, got 0)"},
    {"MaxKeyTooBig", R"(limits.max_key_bytes = 65536)",
     R"(limits.max_key_bytes: must be an integer from 1 to 65535, got 65536)"},
    {"MaxValueZero", R"(limits.max_value_bytes = 0)",
     R"(limits.max_value_bytes: must be an integer from 1 to 536870912, got 0)"},
    {"MaxValueTooBig", R"(limits.max_value_bytes = 536870913)",
     R"(limits.max_value_bytes: must be an integer from 1 to 536870912, got 536870913)"},
    // [log]
    {"LevelUnknown", R"(log.level = "verbose")",
     R"(log.level: must be one of "trace", "debug", "info", "warn", "error", "critical", "off", got "verbose")"},
    {"LevelWithNewline", "log.level = \"in\\nfo\"",
     R"(log.level: must be one of "trace", "debug", "info", "warn", "error", "critical", "off", got "in\x0Afo")"},
    // Unknown keys and tables, and tables that are not tables.
    {"UnknownKey", "[storage]\nfsynk = \"always\"", "unknown key storage.fsynk"},
    {"UnknownQuotedKey", "[storage]\n\"fsync \" = \"always\"", R"(unknown key storage."fsync ")"},
    {"UnknownTlsKey", "[http.tls]\ncert = \"x\"", "unknown key http.tls.cert"},
    {"UnknownSubtable", "[http.tlz]\ncert_file = \"x\"", "unknown key http.tlz"},
    {"DottedTableNameInQuotes", "[\"http.tls\"]\ncert_file = \"x\"",
     R"(unknown table ["http.tls"])"},
    {"TlsCertWithoutKey", "[http.tls]\ncert_file = \"a.pem\"",
     "http.tls needs both cert_file and key_file"},
    {"TlsClientCaAlone", "[http.tls]\nclient_ca_file = \"ca.pem\"",
     "http.tls needs both cert_file and key_file"},
    {"TlsCertEmpty", "[http.tls]\ncert_file = \"\"\nkey_file = \"k.pem\"",
     R"(http.tls.cert_file: must name a file, got "")"},
    {"TlsKeyNotString", "[http.tls]\ncert_file = \"c.pem\"\nkey_file = 1",
     "http.tls.key_file: must be a string, got 1"},
    {"UnknownTable", "[nodes]\nid = \"a\"", "unknown table [nodes]"},
    {"UnknownTopLevelKey", "threads = 2", "unknown key threads"},
    {"TableNotATable", "http = 5", "http: must be a table, got 5"},
    {"ArrayOfTables", "[[node]]\nid = \"a\"", "node: must be a table, got an array"},
};

INSTANTIATE_TEST_SUITE_P(Keys, ConfigFileErrorTest, ::testing::ValuesIn(kBadFiles),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(ConfigTest, TlsFilesAreRead) {
  const node_config config = load_config_file(
      write("[http]\nthreads = 3\n[http.tls]\ncert_file = \"s.pem\"\nkey_file = \"s.key\"\n"
            "client_ca_file = \"ca.pem\"\n"));
  EXPECT_EQ(config.http_threads, 3);
  EXPECT_EQ(config.tls_cert_file, "s.pem");
  EXPECT_EQ(config.tls_key_file, "s.key");
  EXPECT_EQ(config.tls_client_ca_file, "ca.pem");
  const node_config plain = load_config_file(write(""));
  EXPECT_EQ(plain.tls_cert_file, "");
}

TEST_F(ConfigTest, SyntaxErrorNamesTheLine) {
  const std::string error = load_error("[http]\nthreads = 2\nlisten = \n");
  EXPECT_EQ(error.rfind("line 3: ", 0), 0u) << error;
  EXPECT_GT(error.size(), std::string("line 3: ").size());
}

TEST_F(ConfigTest, DuplicateKeyIsASyntaxError) {
  const std::string error = load_error("[http]\nthreads = 2\nthreads = 3\n");
  EXPECT_EQ(error.rfind("line 3: ", 0), 0u) << error;
}

TEST_F(ConfigTest, MissingFileCannotBeOpened) {
  const std::string path = (dir_ / "missing.toml").string();
  EXPECT_EQ(config_error_of([&] { load_config_file(path); }),
            "config " + path + ": cannot open file");
}

TEST_F(ConfigTest, DirectoryIsNotAnEmptyConfig) {
  EXPECT_EQ(config_error_of([&] { load_config_file(dir_.string()); }),
            "config " + dir_.string() + ": not a regular file");
}

// A device or a pipe could be read without end, as /dev/zero would be.
TEST_F(ConfigTest, DeviceIsRefusedUnread) {
  EXPECT_EQ(config_error_of([&] { load_config_file("/dev/zero"); }),
            "config /dev/zero: not a regular file");
}

TEST_F(ConfigTest, FileOverOneMebibyteIsRefused) {
  const std::string path = write("# " + std::string(std::size_t{1} << 20, 'x') + "\n");
  EXPECT_EQ(config_error_of([&] { load_config_file(path); }),
            "config " + path + ": larger than 1048576 bytes");
}

TEST_F(ConfigTest, FileOfOneMebibyteIsRead) {
  const std::string head = "[node]\nid = \"big\"\n# ";
  const std::string path =
      write(head + std::string((std::size_t{1} << 20) - head.size() - 1, 'x') + "\n");
  ASSERT_EQ(std::filesystem::file_size(path), std::size_t{1} << 20);
  EXPECT_EQ(load_config_file(path).node_id, "big");
}

TEST_F(ConfigTest, TcpEndpointsNameAPortOrAnyFreeOne) {
  for (const std::string endpoint :
       {"tcp://127.0.0.1:1", "tcp://127.0.0.1:65535", "tcp://*:5556", "tcp://127.0.0.1:*",
        "tcp://[::1]:5556", "tcp://eth0:5556", "ipc:///run/kvactor/feed", "inproc://feed"}) {
    EXPECT_EQ(load_config_file(write("feed.zmq_endpoint = \"" + endpoint + "\"\n")).feed_endpoint,
              endpoint);
  }
}

// Flags.

TEST_F(ConfigTest, ConfigFlagReadsTheFile) {
  const command_line line = parse_args({"--config", write(kEveryKeyChanged)});
  EXPECT_EQ(line.what, command_line::action::run);
  EXPECT_EQ(line.config.node_id, "eu-west_2.node-7");
  EXPECT_EQ(line.config.partition_count, 4u);
}

TEST_F(ConfigTest, HttpListenFlagOverridesTheFile) {
  const node_config config =
      parse_args({"--config", write(kEveryKeyChanged), "--http-listen", "[::1]:0"}).config;
  EXPECT_EQ(config.http_listen.host, "::1");
  EXPECT_EQ(config.http_listen.port, 0);
  EXPECT_EQ(config.http_threads, 8);  // the rest still comes from the file
}

TEST_F(ConfigTest, FeedEndpointFlagOverridesTheFile) {
  const node_config config =
      parse_args({"--config", write(kEveryKeyChanged), "--feed-endpoint", "tcp://*:6000"}).config;
  EXPECT_EQ(config.feed_endpoint, "tcp://*:6000");
  EXPECT_EQ(config.http_listen.port, 9090);
}

TEST_F(ConfigTest, DataDirFlagOverridesTheFile) {
  const node_config config =
      parse_args({"--config", write(kEveryKeyChanged), "--data-dir=/tmp/kv"}).config;
  EXPECT_EQ(config.data_dir, "/tmp/kv");
  EXPECT_EQ(config.node_id, "eu-west_2.node-7");
}

TEST_F(ConfigTest, PersistenceFlagOverridesTheFile) {
  const node_config config =
      parse_args({"--config", write(kEveryKeyChanged), "--persistence", "none"}).config;
  EXPECT_EQ(config.persistence, persistence_mode::none);
  EXPECT_EQ(config.fsync, fsync_mode::always);
}

TEST_F(ConfigTest, LogLevelFlagOverridesTheFile) {
  const node_config config =
      parse_args({"--log-level", "warn", "--config", write(kEveryKeyChanged)}).config;
  EXPECT_EQ(config.log_level, "warn");
  EXPECT_EQ(config.max_key_bytes, 1024u);
}

TEST(ConfigCommandLineTest, FlagsOverrideTheDefaultsWithoutAFile) {
  const node_config config =
      parse_args({"--http-listen", "localhost:9000", "--persistence", "wal", "--data-dir", "d",
                  "--feed-endpoint", "inproc://feed", "--log-level", "error"})
          .config;
  EXPECT_EQ(config.http_listen.host, "localhost");
  EXPECT_EQ(config.http_listen.port, 9000);
  EXPECT_EQ(config.persistence, persistence_mode::wal);
  EXPECT_EQ(config.data_dir, "d");
  EXPECT_EQ(config.feed_endpoint, "inproc://feed");
  EXPECT_EQ(config.log_level, "error");
  EXPECT_EQ(config.node_id, "node-1");
  EXPECT_FALSE(config.repair);
}

TEST(ConfigCommandLineTest, RepairIsAFlagOfItsOwn) {
  EXPECT_TRUE(parse_args({"--repair", "--persistence", "wal"}).config.repair);
}

TEST(ConfigCommandLineTest, BadFlagValuesNameTheFlag) {
  EXPECT_EQ(flag_error({"--persistence", "disk"}),
            R"(flag --persistence: must be "none" or "wal", got "disk")");
  EXPECT_EQ(
      flag_error({"--http-listen", "127.0.0.1:99999"}),
      R"(flag --http-listen: port must be an integer from 0 to 65535, got "127.0.0.1:99999")");
  EXPECT_EQ(
      flag_error({"--feed-endpoint", "127.0.0.1:5556"}),
      R"(flag --feed-endpoint: must be tcp://, ipc:// or inproc:// followed by an address, got "127.0.0.1:5556")");
  EXPECT_EQ(
      flag_error({"--log-level", "loud"}),
      R"(flag --log-level: must be one of "trace", "debug", "info", "warn", "error", "critical", "off", got "loud")");
}

// [compat] dialect and --dialect (contract section 9).
TEST_F(ConfigTest, DialectDefaultsToKvactorAndEveryNameIsRead) {
  EXPECT_EQ(load_config_file(write("")).dialect, dialect::kvactor);
  EXPECT_EQ(load_config_file(write("[compat]\ndialect = \"bernata\"")).dialect, dialect::bernata);
  EXPECT_EQ(load_config_file(write("[compat]\ndialect = \"importhuman\"")).dialect,
            dialect::importhuman);
  EXPECT_EQ(load_config_file(write("[compat]\ndialect = \"agathemmanuel\"")).dialect,
            dialect::agathemmanuel);
  EXPECT_EQ(load_config_file(write("[compat]\ndialect = \"kvactor\"")).dialect, dialect::kvactor);
}

TEST_F(ConfigTest, UnknownDialectInTheFileNamesTheKeyAndTheNames) {
  EXPECT_EQ(load_error("[compat]\ndialect = \"Bernata\""),
            R"(compat.dialect: must be one of "kvactor", "bernata", "importhuman", )"
            R"("agathemmanuel", got "Bernata")");
  EXPECT_EQ(load_error("[compat]\ndialect = 1"), "compat.dialect: must be a string, got 1");
}

TEST_F(ConfigTest, DialectFlagOverridesTheFile) {
  const std::string path = write("[compat]\ndialect = \"bernata\"");
  EXPECT_EQ(parse_args({"--config", path, "--dialect", "importhuman"}).config.dialect,
            dialect::importhuman);
  EXPECT_EQ(parse_args({"--dialect=agathemmanuel"}).config.dialect, dialect::agathemmanuel);
  EXPECT_EQ(flag_error({"--dialect", "flask"}),
            R"(flag --dialect: must be one of "kvactor", "bernata", "importhuman", )"
            R"("agathemmanuel", got "flask")");
}

TEST(ConfigCommandLineTest, HelpListsEveryDialectWithOneLine) {
  const command_line line = parse_args({"--help"});
  ASSERT_EQ(line.what, command_line::action::print_help);
  EXPECT_NE(line.output.find("--dialect"), std::string::npos);
  for (const auto& info : known_dialects) {
    const std::string entry = "  " + std::string(info.name);
    const auto at = line.output.find(entry + " ");
    ASSERT_NE(at, std::string::npos) << info.name << " missing from:\n" << line.output;
    const auto end = line.output.find('\n', at);
    EXPECT_NE(line.output.substr(at, end - at).find(info.summary), std::string::npos);
  }
}

TEST(ConfigCommandLineTest, FeedEndpointFlagPortIsChecked) {
  EXPECT_EQ(
      flag_error({"--feed-endpoint", "tcp://127.0.0.1:99999"}),
      R"(flag --feed-endpoint: a tcp:// endpoint must end in :PORT, PORT from 1 to 65535 or * for any free port, got "tcp://127.0.0.1:99999")");
}

TEST(ConfigCommandLineTest, EmptyFlagValueIsAnError) {
  EXPECT_NE(flag_error({"--data-dir", ""}), "");
  EXPECT_NE(flag_error({"--data-dir="}), "");
}

TEST_F(ConfigTest, BadFileUnderFlagsIsStillAnError) {
  const std::string path = write("http.threads = 0");
  EXPECT_EQ(flag_error({"--config", path, "--log-level", "debug"}),
            "config " + path + ": http.threads: must be an integer from 1 to 64, got 0");
}

TEST_F(ConfigTest, MissingConfigFileIsAnError) {
  const std::string path = (dir_ / "missing.toml").string();
  EXPECT_EQ(flag_error({"--config", path}), "config " + path + ": cannot open file");
}

TEST(ConfigCommandLineTest, UnknownFlagIsAnError) {
  EXPECT_NE(flag_error({"--http-port", "8080"}).find("--http-port"), std::string::npos);
}

TEST(ConfigCommandLineTest, EmptyArgvRunsOnTheDefaults) {
  const char* const argv[] = {nullptr};
  const command_line line = parse_command_line(0, argv);
  EXPECT_EQ(line.what, command_line::action::run);
  expect_contract_defaults(line.config);
}

TEST(ConfigCommandLineTest, StrayArgumentIsAnError) {
  EXPECT_NE(flag_error({"node.toml"}).find("node.toml"), std::string::npos);
}

TEST(ConfigCommandLineTest, FlagWithoutValueIsAnError) {
  EXPECT_NE(flag_error({"--config"}).find("--config"), std::string::npos);
}

TEST(ConfigCommandLineTest, RepeatedFlagIsAnError) {
  EXPECT_NE(flag_error({"--data-dir", "a", "--data-dir", "b"}).find("--data-dir"),
            std::string::npos);
}

TEST(ConfigCommandLineTest, HelpListsEveryFlag) {
  const command_line line = parse_args({"--help"});
  EXPECT_EQ(line.what, command_line::action::print_help);
  for (const char* flag : {"--config", "--http-listen", "--feed-endpoint", "--data-dir",
                           "--persistence", "--log-level", "--repair", "--help", "--version"}) {
    EXPECT_NE(line.output.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(line.output.back(), '\n');
}

TEST(ConfigCommandLineTest, HelpWinsOverBadValues) {
  EXPECT_EQ(parse_args({"--persistence", "disk", "-h"}).what, command_line::action::print_help);
}

TEST(ConfigCommandLineTest, VersionPrintsTheVersion) {
  const command_line line = parse_args({"--version"});
  EXPECT_EQ(line.what, command_line::action::print_version);
  EXPECT_TRUE(std::regex_match(line.output, std::regex("kvnode [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << line.output;
}

TEST(ConfigCommandLineTest, VersionDoesNotReadTheConfig) {
  EXPECT_EQ(parse_args({"--version", "--config", "/nonexistent/kvnode.toml"}).what,
            command_line::action::print_version);
}

// parse_listen_address.

// The reason parse_listen_address gives for rejecting `text`; a failure when it accepts it.
std::string listen_error(const std::string& text) {
  try {
    parse_listen_address(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << text;
  return "";
}

TEST(ParseListenAddressTest, HostAndPort) {
  const listen_address address = parse_listen_address("127.0.0.1:8080");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 8080);
}

TEST(ParseListenAddressTest, HostName) {
  const listen_address address = parse_listen_address("kv-1.example.com:443");
  EXPECT_EQ(address.host, "kv-1.example.com");
  EXPECT_EQ(address.port, 443);
}

TEST(ParseListenAddressTest, PortZeroAndMax) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:0").port, 0);
  EXPECT_EQ(parse_listen_address("0.0.0.0:65535").port, 65535);
}

TEST(ParseListenAddressTest, Ipv6InBracketsGivesTheBareAddress) {
  const listen_address loopback = parse_listen_address("[::1]:8080");
  EXPECT_EQ(loopback.host, "::1");
  EXPECT_EQ(loopback.port, 8080);
  EXPECT_EQ(parse_listen_address("[::]:0").host, "::");
  EXPECT_EQ(parse_listen_address("[2001:db8::42]:80").host, "2001:db8::42");
  EXPECT_EQ(parse_listen_address("[::ffff:127.0.0.1]:80").host, "::ffff:127.0.0.1");
}

TEST(ParseListenAddressTest, BadAddressesThrowWithAReason) {
  for (const char* text : {"",
                           "127.0.0.1",
                           "127.0.0.1:",
                           ":8080",
                           "127.0.0.1:65536",
                           "127.0.0.1:-1",
                           "127.0.0.1:+80",
                           "127.0.0.1: 80",
                           "127.0.0.1:80x",
                           "127.0.0.1:99999999999999999999",
                           "::1:8080",
                           "::1",
                           "[::1]",
                           "[::1]8080",
                           "[::1:8080",
                           "[]:80",
                           "[localhost]:80",
                           "[127.0.0.1]:80",
                           "[::1]:",
                           "[::1]:65536"}) {
    EXPECT_NE(listen_error(text), "") << text;
  }
}

TEST(ParseListenAddressTest, Reasons) {
  EXPECT_EQ(listen_error("localhost"), "expected HOST:PORT");
  EXPECT_EQ(listen_error(":80"), "host must not be empty");
  EXPECT_EQ(listen_error("localhost:80x"), "port must be an integer from 0 to 65535");
  EXPECT_EQ(listen_error("fe80::1:80"), "an IPv6 host must be in brackets, as [::1]:8080");
  EXPECT_EQ(listen_error("[::1]"), "expected [IPV6]:PORT");
  EXPECT_EQ(listen_error("[nope]:80"), "expected an IPv6 address in brackets");
  EXPECT_EQ(listen_error("[::1]:99999"), "port must be an integer from 0 to 65535");
}

// The change log's keys (contract section 13) and the restore's flags.
class ChangelogConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kvactor-changelog-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text) {
    const std::string path = dir_ / "node.toml";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ChangelogConfigTest, KeysDefaultToTheContractAndAreRead) {
  const node_config defaults = load_config_file(write(""));
  EXPECT_EQ(defaults.changelog_postgres, "");
  EXPECT_EQ(defaults.changelog_max_backlog_events, 1000000u);
  EXPECT_EQ(defaults.changelog_batch_interval_ms, 50u);
  EXPECT_FALSE(defaults.changelog_use_insert);
  const node_config set = load_config_file(write(R"toml(
[changelog]
postgres = "host=db sslmode=verify-full"
max_backlog_events = 5
max_backlog_bytes = 2097152
batch_events = 100
batch_interval_ms = 0
method = "insert"
)toml"));
  EXPECT_EQ(set.changelog_postgres, "host=db sslmode=verify-full");
  EXPECT_EQ(set.changelog_max_backlog_events, 5u);
  EXPECT_EQ(set.changelog_max_backlog_bytes, 2097152u);
  EXPECT_EQ(set.changelog_batch_events, 100u);
  EXPECT_EQ(set.changelog_batch_interval_ms, 0u);
  EXPECT_TRUE(set.changelog_use_insert);
}

TEST_F(ChangelogConfigTest, BadValuesNameTheirKey) {
  const std::string method =
      config_error_of([&] { load_config_file(write("[changelog]\nmethod = \"upsert\"\n")); });
  EXPECT_NE(method.find("changelog.method"), std::string::npos) << method;
  const std::string backlog =
      config_error_of([&] { load_config_file(write("[changelog]\nmax_backlog_events = 0\n")); });
  EXPECT_NE(backlog.find("changelog.max_backlog_events"), std::string::npos) << backlog;
  const std::string interval =
      config_error_of([&] { load_config_file(write("[changelog]\nbatch_interval_ms = 10001\n")); });
  EXPECT_NE(interval.find("changelog.batch_interval_ms"), std::string::npos) << interval;
  const std::string empty =
      config_error_of([&] { load_config_file(write("[changelog]\npostgres = \"\"\n")); });
  EXPECT_NE(empty.find("changelog.postgres"), std::string::npos) << empty;
}

TEST_F(ChangelogConfigTest, FlagsOverrideAndAskForARestore) {
  const std::string path = write("[changelog]\npostgres = \"host=a\"\n");
  const char* argv[] = {"kvnode",
                        "--config",
                        path.c_str(),
                        "--changelog-postgres",
                        "host=b",
                        "--restore-from-postgres",
                        "--restore-accept-gaps"};
  const command_line line = parse_command_line(7, argv);
  EXPECT_EQ(line.config.changelog_postgres, "host=b");
  EXPECT_TRUE(line.config.restore_from_postgres);
  EXPECT_TRUE(line.config.restore_accept_gaps);
  const char* plain[] = {"kvnode"};
  EXPECT_FALSE(parse_command_line(1, plain).config.restore_from_postgres);
}

// One config file for every member (a Kubernetes ConfigMap): --cluster-node-id names the member.
TEST_F(ConfigTest, ClusterNodeIdComesFromTheFileOrTheFlagAndIsChecked) {
  const std::string shared = write(
      "[cluster]\npeers = [\"kv-0.kv:9101\", \"kv-1.kv:9101\", \"kv-2.kv:9101\"]\n"
      "raft_listen = \"0.0.0.0:9101\"\n");
  EXPECT_EQ(parse_args({"--config", shared, "--cluster-node-id", "3"}).config.cluster->node_id, 3u);
  const std::string missing = flag_error({"--config", shared});
  EXPECT_NE(missing.find("cluster.node_id: missing"), std::string::npos) << missing;
  const std::string past = flag_error({"--config", shared, "--cluster-node-id", "4"});
  EXPECT_NE(past.find("past the end of cluster.peers"), std::string::npos) << past;
  const std::string zero = flag_error({"--config", shared, "--cluster-node-id", "0"});
  EXPECT_NE(zero.find("--cluster-node-id"), std::string::npos) << zero;
  const std::string standalone = flag_error({"--cluster-node-id", "1"});
  EXPECT_NE(standalone.find("needs a [cluster] table"), std::string::npos) << standalone;
  const std::string own =
      write("[cluster]\nnode_id = 2\npeers = [\"a:1\", \"b:1\"]\nraft_listen = \"0.0.0.0:1\"\n",
            "own.toml");
  EXPECT_EQ(parse_args({"--config", own}).config.cluster->node_id, 2u);
  EXPECT_EQ(parse_args({"--config", own, "--cluster-node-id", "1"}).config.cluster->node_id, 1u);
}

}  // namespace
}  // namespace kv
