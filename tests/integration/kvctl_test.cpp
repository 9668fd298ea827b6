// Black-box tests of the kvctl binary against a real kvnode: every command and spelling,
// byte-exact values through stdin and stdout, exit statuses and messages, URLs, --json, paging,
// and watch on both transports of the change feed, found from --url alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/kvctl_runner.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// ---- assertions ------------------------------------------------------------------------------

// Exit status 0, stdout exactly `out`, nothing on stderr.
::testing::AssertionResult Succeeded(const KvctlResult& result, const std::string& out) {
  if (result.status.exited_with(0) && result.out == out && result.err.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected exit 0 and stdout [" << out << "], got " << result.describe();
}

// Exit status `code`, nothing on stdout, stderr exactly `err`.
::testing::AssertionResult FailedWith(const KvctlResult& result, int code, const std::string& err) {
  if (result.status.exited_with(code) && result.out.empty() && result.err == err) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected exit " << code << " and stderr [" << err << "], got " << result.describe();
}

// Exit status 2, nothing on stdout, one "ERROR: ..." line on stderr.
::testing::AssertionResult IsUsageError(const KvctlResult& result) {
  const bool one_line = result.err.starts_with("ERROR: ") && result.err.ends_with('\n') &&
                        result.err.find('\n') == result.err.size() - 1;
  if (result.status.exited_with(2) && result.out.empty() && one_line) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected exit 2 with one ERROR line, got " << result.describe();
}

// stdout parsed as JSON; a discarded value when it is not JSON.
nlohmann::json json_output(const KvctlResult& result) {
  return nlohmann::json::parse(result.out, nullptr, false);
}

std::string lines_of(const std::vector<std::string>& keys) {
  std::string text;
  for (const auto& key : keys) text += key + "\n";
  return text;
}

// A loopback port whose connections the kernel accepts but nobody ever answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error(std::string("silent listener: ") + std::strerror(errno));
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// ---- fixtures --------------------------------------------------------------------------------

class KvctlTest : public SharedNodeTest<KvctlTest> {
 protected:
  std::string url() { return "http://" + node().host() + ":" + std::to_string(node().http_port()); }
  std::string feed() { return "tcp://" + node().host() + ":" + std::to_string(node().feed_port()); }

  // kvctl --url URL ARGS...
  KvctlResult kvctl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--url", url()});
    return run_kvctl(args, input);
  }
};

// A node of its own, for listings of the whole store.
class KvctlEmptyNodeTest : public FreshNodeTest {
 protected:
  KvctlResult kvctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--url", "http://" + node().host() + ":" + std::to_string(node().http_port())});
    return run_kvctl(args);
  }
};

// ---- put / get -------------------------------------------------------------------------------

TEST_F(KvctlTest, PutThenGetPrintsTheValueWithNoNewlineAdded) {
  const std::string key = test_key("greeting");
  EXPECT_TRUE(Succeeded(kvctl({"put", key, "hello"}), "created `" + key + "` at version 1\n"));
  EXPECT_TRUE(Succeeded(kvctl({"get", key}), "hello"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "hello", 1));
}

TEST_F(KvctlTest, PutOverwritesAndReportsTheNewVersion) {
  const std::string key = test_key("counter");
  ASSERT_TRUE(Succeeded(kvctl({"put", key, "one"}), "created `" + key + "` at version 1\n"));
  EXPECT_TRUE(Succeeded(kvctl({"put", key, "two"}), "updated `" + key + "` to version 2\n"));
  EXPECT_TRUE(Succeeded(kvctl({"get", key}), "two"));
}

TEST_F(KvctlTest, PutWithoutValueStoresAllOfStdinByteExact) {
  const std::string key = test_key("binary");
  const std::string value = all_byte_values() + all_byte_values();
  EXPECT_TRUE(Succeeded(kvctl({"put", key}, value), "created `" + key + "` at version 1\n"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), value, 1));
  EXPECT_TRUE(Succeeded(kvctl({"get", key}), value));
}

TEST_F(KvctlTest, TrailingNewlineSurvivesStdinAndArgumentAndStdout) {
  const std::string from_stdin = test_key("stdin"), from_argument = test_key("argument");
  ASSERT_TRUE(kvctl({"put", from_stdin}, "line one\nline two\n").status.exited_with(0));
  ASSERT_TRUE(kvctl({"put", from_argument, "ends with newline\n"}).status.exited_with(0));
  EXPECT_TRUE(Succeeded(kvctl({"get", from_stdin}), "line one\nline two\n"));
  EXPECT_TRUE(Succeeded(kvctl({"get", from_argument}), "ends with newline\n"));
}

TEST_F(KvctlTest, LargeBinaryValueRoundTrips) {
  const std::string key = test_key("large");
  std::string value;
  for (int i = 0; i < 4000; ++i) value += all_byte_values();  // 1 MB, under the 1 MiB limit
  ASSERT_TRUE(kvctl({"put", key}, value).status.exited_with(0));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), value, 1));
  const KvctlResult got = kvctl({"get", key});
  EXPECT_TRUE(got.status.exited_with(0)) << got.describe();
  EXPECT_TRUE(got.out == value) << "stdout differs: " << got.out.size() << " bytes";
}

TEST_F(KvctlTest, EmptyValueFromArgumentOrEmptyStdin) {
  const std::string from_argument = test_key("argument"), from_stdin = test_key("stdin");
  ASSERT_TRUE(kvctl({"put", from_argument, ""}, "ignored").status.exited_with(0));
  ASSERT_TRUE(kvctl({"put", from_stdin}, "").status.exited_with(0));
  EXPECT_TRUE(IsValueReply(kv().get_key(from_argument), "", 1));
  EXPECT_TRUE(IsValueReply(kv().get_key(from_stdin), "", 1));
  EXPECT_TRUE(Succeeded(kvctl({"get", from_argument}), ""));
}

TEST_F(KvctlTest, ValueArgumentWinsOverStdin) {
  const std::string key = test_key("both");
  ASSERT_TRUE(kvctl({"put", key, "from argument"}, "from stdin").status.exited_with(0));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "from argument", 1));
}

TEST_F(KvctlTest, KeysWithSlashesSpacesAndUnicodeReachTheNodeUnchanged) {
  for (const std::string suffix :
       {"a/b/c", "a//b", "trailing/", "with space", "plus+and&amp=", "percent%20not-an-escape",
        "question?mark#hash", "x/../y", "caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC"}) {
    const std::string key = test_key(suffix);
    SCOPED_TRACE("key " + key);
    ASSERT_TRUE(
        Succeeded(kvctl({"put", key, "v:" + suffix}), "created `" + key + "` at version 1\n"));
    EXPECT_TRUE(IsValueReply(kv().get_key(key), "v:" + suffix, 1));
    EXPECT_TRUE(Succeeded(kvctl({"get", key}), "v:" + suffix));
  }
}

TEST_F(KvctlTest, GetOfMissingKeyExitsOneWithTheExactMessage) {
  const std::string key = test_key("never-written");
  EXPECT_TRUE(FailedWith(kvctl({"get", key}), 1, "ERROR: no key `" + key + "` found\n"));
  EXPECT_TRUE(FailedWith(kvctl({"read", "--key", key}), 1, "ERROR: no key `" + key + "` found\n"));
}

// ---- conditional writes and server errors ----------------------------------------------------

TEST_F(KvctlTest, PutIfVersionWritesOnlyAtThatVersion) {
  const std::string key = test_key("cas");
  EXPECT_TRUE(Succeeded(kvctl({"put", key, "a", "--if-version", "0"}),
                        "created `" + key + "` at version 1\n"));
  EXPECT_TRUE(FailedWith(kvctl({"put", key, "b", "--if-version", "0"}), 1,
                         "ERROR: key `" + key + "` already exists\n"));
  EXPECT_TRUE(Succeeded(kvctl({"put", key, "c", "--if-version", "1"}),
                        "updated `" + key + "` to version 2\n"));
  EXPECT_TRUE(FailedWith(kvctl({"put", key, "d", "--if-version", "7"}), 1,
                         "ERROR: key `" + key + "` is at version 2, not 7\n"));
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "c", 2));
}

TEST_F(KvctlTest, DeleteIfVersionDeletesOnlyAtThatVersion) {
  const std::string key = test_key("cas");
  ASSERT_TRUE(kvctl({"put", key, "a"}).status.exited_with(0));
  EXPECT_TRUE(FailedWith(kvctl({"delete", key, "--if-version", "3"}), 1,
                         "ERROR: key `" + key + "` is at version 1, not 3\n"));
  EXPECT_TRUE(Succeeded(kvctl({"delete", key, "--if-version", "1"}), "deleted `" + key + "`\n"));
}

TEST_F(KvctlTest, ServerErrorsPrintTheServersMessageAndExitOne) {
  const std::string key = test_key("too-big");
  EXPECT_TRUE(FailedWith(kvctl({"put", key}, std::string(1048577, 'x')), 1,
                         "ERROR: value is 1048577 bytes, the limit is 1048576\n"));
  const KvctlResult bad_key = kvctl({"put", test_key("tab\there"), "v"});
  EXPECT_TRUE(bad_key.status.exited_with(1)) << bad_key.describe();
  EXPECT_TRUE(bad_key.err.starts_with("ERROR: ") && bad_key.err.ends_with("\n"))
      << bad_key.describe();
}

// ---- delete ----------------------------------------------------------------------------------

TEST_F(KvctlTest, DeleteTakesThePositionalKeyOrTheKeyFlag) {
  const std::string first = test_key("positional"), second = test_key("flag");
  ASSERT_TRUE(kvctl({"put", first, "1"}).status.exited_with(0));
  ASSERT_TRUE(kvctl({"put", second, "2"}).status.exited_with(0));
  EXPECT_TRUE(Succeeded(kvctl({"delete", first}), "deleted `" + first + "`\n"));
  EXPECT_TRUE(Succeeded(kvctl({"delete", "--key", second}), "deleted `" + second + "`\n"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(first), first));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(second), second));
}

TEST_F(KvctlTest, DeleteOfMissingKeySucceedsAndSaysSo) {
  const std::string key = test_key("absent");
  EXPECT_TRUE(Succeeded(kvctl({"delete", key}), "no key `" + key + "`; nothing deleted\n"));
}

// ---- older spellings -------------------------------------------------------------------------

TEST_F(KvctlTest, StoreAndReadAreTheOlderSpellingsOfPutAndGet) {
  const std::string key = test_key("old");
  EXPECT_TRUE(Succeeded(kvctl({"store", "--key", key, "--value", "v1"}),
                        "created `" + key + "` at version 1\n"));
  EXPECT_TRUE(Succeeded(kvctl({"read", "--key", key}), "v1"));
  EXPECT_TRUE(Succeeded(kvctl({"store", "--key", key}, all_byte_values()),
                        "updated `" + key + "` to version 2\n"));
  EXPECT_TRUE(Succeeded(kvctl({"read", "--key", key}), all_byte_values()));
  EXPECT_TRUE(Succeeded(kvctl({"delete", "--key", key}), "deleted `" + key + "`\n"));
}

// ---- search and list -------------------------------------------------------------------------

TEST_F(KvctlTest, SearchFiltersByPrefixSuffixOrBoth) {
  const std::string base = test_key("");
  ASSERT_TRUE(kv().put_all({{base + "users/ann.json", "1"},
                            {base + "users/bob.txt", "2"},
                            {base + "users/cid.json", "3"},
                            {base + "groups/x.json", "4"}}));
  EXPECT_TRUE(Succeeded(
      kvctl({"search", "--prefix", base + "users/"}),
      lines_of({base + "users/ann.json", base + "users/bob.txt", base + "users/cid.json"})));
  EXPECT_TRUE(Succeeded(
      kvctl({"search", "--prefix", base, "--suffix", ".json"}),
      lines_of({base + "groups/x.json", base + "users/ann.json", base + "users/cid.json"})));
  EXPECT_TRUE(Succeeded(kvctl({"search", "--prefix", base + "nothing/"}), ""));
}

TEST_F(KvctlTest, SearchWithOnlyASuffixFindsKeysAnywhere) {
  const std::string key = test_key("x.") + "unusual-suffix-for-kvctl";
  ASSERT_TRUE(kvctl({"put", key, "v"}).status.exited_with(0));
  EXPECT_TRUE(Succeeded(kvctl({"search", "--suffix", ".unusual-suffix-for-kvctl"}), key + "\n"));
}

TEST_F(KvctlTest, SearchAndListPageThroughMoreThanAThousandKeys) {
  const std::string prefix = test_key("bulk/");
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 2500; ++i) entries.try_emplace(numbered(prefix, i), "v");
  ASSERT_TRUE(kv().put_all(entries));
  std::vector<std::string> keys;
  for (const auto& entry : entries) keys.push_back(entry.first);  // std::map: bytewise order

  EXPECT_TRUE(Succeeded(kvctl({"search", "--prefix", prefix}), lines_of(keys)));
  EXPECT_TRUE(Succeeded(kvctl({"list", "--prefix", prefix}), lines_of(keys)));
  EXPECT_TRUE(
      Succeeded(kvctl({"list", "--prefix", prefix, "--json"}), nlohmann::json(keys).dump() + "\n"));
}

TEST_F(KvctlEmptyNodeTest, ListWithoutPrefixPrintsEveryKeyInOrder) {
  EXPECT_TRUE(Succeeded(kvctl({"list"}), ""));
  EXPECT_TRUE(Succeeded(kvctl({"--json", "list"}), "[]\n"));
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 1500; ++i) entries.try_emplace(numbered(i % 2 ? "odd/" : "even/", i), "v");
  entries.try_emplace("caf\xC3\xA9", "v");
  ASSERT_TRUE(kv().put_all(entries));
  std::vector<std::string> keys;
  for (const auto& entry : entries) keys.push_back(entry.first);
  EXPECT_TRUE(Succeeded(kvctl({"list"}), lines_of(keys)));
  EXPECT_TRUE(Succeeded(kvctl({"search"}), lines_of(keys)));
}

// ---- ping and info ---------------------------------------------------------------------------

TEST_F(KvctlTest, PingSaysOk) {
  EXPECT_TRUE(Succeeded(kvctl({"ping"}), "ok\n"));
  EXPECT_TRUE(Succeeded(kvctl({"ping", "--json"}), "{\"status\":\"ok\"}\n"));
}

TEST_F(KvctlTest, InfoPrintsTheNodesDocumentIndentedOrOnOneLine) {
  const KvctlResult pretty = kvctl({"info"});
  ASSERT_TRUE(pretty.status.exited_with(0)) << pretty.describe();
  const nlohmann::json info = json_output(pretty);
  ASSERT_TRUE(info.is_object()) << pretty.out;
  EXPECT_EQ(info.value("version", ""), project_version());
  EXPECT_TRUE(info.contains("node_id") && info.contains("partitions")) << pretty.out;
  EXPECT_EQ(pretty.out, info.dump(2) + "\n");

  const KvctlResult compact = kvctl({"--json", "info"});
  ASSERT_TRUE(compact.status.exited_with(0)) << compact.describe();
  EXPECT_TRUE(json_output(compact).is_object()) << compact.out;
  EXPECT_EQ(compact.out.find('\n'), compact.out.size() - 1) << compact.out;
}

TEST_F(KvctlTest, InfoTellsWhereTheChangeFeedIs) {
  const KvctlResult info = kvctl({"--json", "info"});
  ASSERT_TRUE(info.status.exited_with(0)) << info.describe();
  EXPECT_EQ(json_output(info)["feed"], (nlohmann::json{{"zmq", feed()}})) << info.out;
}

// ---- --json ----------------------------------------------------------------------------------

TEST_F(KvctlTest, JsonOutputOfEveryKeyCommandParses) {
  const std::string key = test_key("doc");
  EXPECT_EQ(json_output(kvctl({"--json", "put", key}, all_byte_values())),
            (nlohmann::json{{"key", key}, {"version", 1}, {"created", true}}));
  EXPECT_EQ(json_output(kvctl({"--json", "put", key, "x"})),
            (nlohmann::json{{"key", key}, {"version", 2}, {"created", false}}));
  ASSERT_TRUE(kvctl({"put", key}, all_byte_values()).status.exited_with(0));
  EXPECT_EQ(
      json_output(kvctl({"--json", "get", key})),
      (nlohmann::json{{"key", key}, {"value", base64_encode(all_byte_values())}, {"version", 3}}));
  EXPECT_EQ(json_output(kvctl({"--json", "search", "--prefix", key})), nlohmann::json({key}));
  EXPECT_EQ(json_output(kvctl({"--json", "delete", key})),
            (nlohmann::json{{"key", key}, {"deleted", true}}));
  EXPECT_EQ(json_output(kvctl({"--json", "delete", key})),
            (nlohmann::json{{"key", key}, {"deleted", false}}));
}

TEST_F(KvctlTest, ErrorsStayOnStderrWithJson) {
  const std::string key = test_key("missing");
  EXPECT_TRUE(FailedWith(kvctl({"--json", "get", key}), 1, "ERROR: no key `" + key + "` found\n"));
}

TEST_F(KvctlTest, GlobalOptionsMayFollowTheCommand) {
  const std::string key = test_key("late-options");
  EXPECT_TRUE(Succeeded(run_kvctl({"put", key, "v", "--url", url()}),
                        "created `" + key + "` at version 1\n"));
  EXPECT_EQ(json_output(run_kvctl({"get", key, "--json", "--url", url()})),
            (nlohmann::json{{"key", key}, {"value", base64_encode("v")}, {"version", 1}}));
}

// ---- the node's URL --------------------------------------------------------------------------

TEST_F(KvctlTest, UrlComesFromKvctlUrlWhenNoFlagIsGiven) {
  EXPECT_TRUE(Succeeded(run_kvctl({"ping"}, "", {"KVCTL_URL=" + url()}), "ok\n"));
}

TEST_F(KvctlTest, UrlFlagWinsOverKvctlUrl) {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(pick_free_port());
  EXPECT_TRUE(Succeeded(run_kvctl({"--url", url(), "ping"}, "", {"KVCTL_URL=" + nowhere}), "ok\n"));
  const KvctlResult refused = run_kvctl({"--url", nowhere, "ping"}, "", {"KVCTL_URL=" + url()});
  EXPECT_TRUE(refused.status.exited_with(1)) << refused.describe();
  EXPECT_TRUE(refused.err.starts_with("ERROR: cannot reach " + nowhere + ": ")) << refused.err;
}

TEST_F(KvctlTest, UrlMayEndWithASlashOrOmitTheScheme) {
  EXPECT_TRUE(Succeeded(run_kvctl({"--url", url() + "/", "ping"}), "ok\n"));
  const std::string bare = node().host() + ":" + std::to_string(node().http_port());
  EXPECT_TRUE(Succeeded(run_kvctl({"--url", bare, "ping"}), "ok\n"));
}

TEST(KvctlDefaultsTest, DefaultUrlIsLocalPort8080) {
  const KvctlResult help = run_kvctl({"--help"});
  EXPECT_TRUE(help.status.exited_with(0)) << help.describe();
  EXPECT_NE(help.out.find("http://127.0.0.1:8080"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("KVCTL_URL"), std::string::npos) << help.out;
  // A node of someone else's may be running there; either way kvctl must have asked that URL.
  const KvctlResult ping = run_kvctl({"--timeout", "2", "ping"});
  EXPECT_TRUE(ping.status.exited_with(0) ||
              ping.err.starts_with("ERROR: cannot reach http://127.0.0.1:8080: "))
      << ping.describe();
}

TEST(KvctlUnreachableTest, NobodyListeningExitsOneWithTheUrlAndTheReason) {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(pick_free_port());
  for (const std::vector<std::string>& command : {std::vector<std::string>{"ping"},
                                                  {"get", "k"},
                                                  {"put", "k", "v"},
                                                  {"delete", "k"},
                                                  {"search"},
                                                  {"list"},
                                                  {"info"},
                                                  {"watch", "--sse"},
                                                  {"watch"},
                                                  {"--json", "get", "k"}}) {
    std::vector<std::string> args = {"--url", nowhere};
    args.insert(args.end(), command.begin(), command.end());
    EXPECT_TRUE(
        FailedWith(run_kvctl(args), 1, "ERROR: cannot reach " + nowhere + ": Connection refused\n"))
        << command.back();
  }
}

TEST(KvctlUnreachableTest, WatchOverZeroMqSaysWhenNoFeedAnswersAndGoesOnWaiting) {
  const std::string nowhere = "tcp://127.0.0.1:" + std::to_string(pick_free_port());
  BackgroundKvctl watch({"watch", "--timeout", "0.5", "--feed", nowhere});
  // Nothing comes on stdout: this only gives the warning time to come.
  EXPECT_TRUE(watch.wait_for_lines(1, 3s).empty());
  const KvctlResult stopped = watch.stop(SIGINT);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
  EXPECT_EQ(stopped.err, "WARNING: no connection to the change feed at " + nowhere +
                             " after 0.5 s; still trying\n");
}

TEST(KvctlUnreachableTest, NodeThatNeverAnswersTimesOutWithinTheTimeout) {
  const SilentListener silent;
  const auto start = clock_type::now();
  const KvctlResult result = run_kvctl({"--url", silent.url(), "--timeout", "0.5", "get", "k"});
  EXPECT_LT(clock_type::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(FailedWith(result, 1,
                         "ERROR: cannot reach " + silent.url() +
                             ": no reply (the connection closed or the read timed out)\n"));
}

TEST(KvctlUnreachableTest, UnknownHostIsReportedAsSuch) {
  const KvctlResult result = run_kvctl({"--url", "http://no-such-host.invalid:8080", "ping"});
  EXPECT_TRUE(result.status.exited_with(1)) << result.describe();
  EXPECT_TRUE(result.err.starts_with(
      "ERROR: cannot reach http://no-such-host.invalid:8080: cannot resolve host "
      "no-such-host.invalid"))
      << result.err;
}

// ---- watch -----------------------------------------------------------------------------------

// The slow joiner of ZeroMQ, and the moment a watch stream registers: writes `probe_key` until
// kvctl prints a line, bounded. Those lines are left out by LinesThrough().
::testing::AssertionResult Joined(BackgroundKvctl& watch, KvClient& kv,
                                  const std::string& probe_key) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (kv.put_key(probe_key, "probe").status != 200) break;
    if (!watch.wait_for_lines(1, 100ms).empty()) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "kvctl printed nothing for the probe key " << probe_key
                                       << "; its stderr: " << watch.err();
}

// kvctl's lines through the first one that names `last_key`, without those that name
// `probe_key`. The feed is in rev order, so once the last write's line is there, every line
// of the writes before it is too. Empty if it does not come within `timeout`.
std::vector<std::string> LinesThrough(BackgroundKvctl& watch, const std::string& last_key,
                                      const std::string& probe_key,
                                      std::chrono::milliseconds timeout = 10s) {
  if (!watch.wait_for_text(last_key, timeout)) return {};
  const std::string& out = watch.out();
  const auto line_index = static_cast<std::size_t>(
      std::count(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(out.find(last_key)), '\n'));
  std::vector<std::string> lines = watch.wait_for_lines(line_index + 1, timeout);
  if (lines.size() <= line_index) return {};
  lines.resize(line_index + 1);
  std::erase_if(lines,
                [&](const std::string& line) { return line.find(probe_key) != std::string::npos; });
  return lines;
}

using Lines = std::vector<std::string>;

// Writes the changes the watch tests expect: two puts and a delete under `prefix` (one value
// with a newline and a tab) and one put outside it.
void WriteChanges(KvClient& kv, const std::string& prefix, const std::string& outside_key) {
  ASSERT_EQ(kv.put_key(prefix + "a", "1").status, 200);
  ASSERT_EQ(kv.put_key(outside_key, "not watched").status, 200);
  ASSERT_EQ(kv.put_key(prefix + "b", "two words\nand\ta tab").status, 200);
  ASSERT_EQ(kv.delete_key(prefix + "a").status, 200);
  ASSERT_EQ(kv.put_key(prefix + "end", "").status, 200);
}

Lines ExpectedChangeLines(const std::string& prefix) {
  return {"PUT " + prefix + "a 1", "PUT " + prefix + "b two words\\nand\\ta tab",
          "DELETE " + prefix + "a", "PUT " + prefix + "end "};
}

TEST_F(KvctlTest, WatchOverZeroMqPrintsOneLinePerChangeUnderThePrefix) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl watch({"watch", "--feed", feed(), "--prefix", prefix});
  ASSERT_TRUE(Joined(watch, kv(), prefix + "probe"));
  WriteChanges(kv(), prefix, test_key("out/a"));
  EXPECT_EQ(LinesThrough(watch, prefix + "end", prefix + "probe"), ExpectedChangeLines(prefix));
  const KvctlResult stopped = watch.stop(SIGINT);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
  EXPECT_EQ(stopped.err, "");
}

TEST_F(KvctlTest, WatchOverSsePrintsOneLinePerChangeUnderThePrefix) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl watch({"--url", url(), "watch", "--sse", "--prefix", prefix});
  ASSERT_TRUE(Joined(watch, kv(), prefix + "probe"));
  WriteChanges(kv(), prefix, test_key("out/a"));
  EXPECT_EQ(LinesThrough(watch, prefix + "end", prefix + "probe"), ExpectedChangeLines(prefix));
  const KvctlResult stopped = watch.stop(SIGTERM);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
  EXPECT_EQ(stopped.err, "");
}

// The shared node's feed is on a port of its own, not the default 5556: kvctl must ask it.
TEST_F(KvctlTest, WatchWithOnlyTheUrlFollowsTheFeedTheNodeAdvertises) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl watch({"--url", url(), "watch", "--prefix", prefix});
  ASSERT_TRUE(Joined(watch, kv(), prefix + "probe"));
  WriteChanges(kv(), prefix, test_key("out/a"));
  EXPECT_EQ(LinesThrough(watch, prefix + "end", prefix + "probe"), ExpectedChangeLines(prefix));
  const KvctlResult stopped = watch.stop(SIGINT);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
}

// A node that advertises a feed endpoint nothing listens on, as one behind a firewall would.
class KvctlUnreachableFeedTest : public FreshNodeTest {
 protected:
  std::vector<std::string> node_args() override {
    return {"--config",
            dir_.write_file("kvnode.toml", "[feed]\nadvertise = \"" + nowhere_ + "\"\n")};
  }
  std::string url() { return "http://" + node().host() + ":" + std::to_string(node().http_port()); }

  TempDir dir_;
  const std::string nowhere_ = "tcp://127.0.0.1:" + std::to_string(pick_free_port());
};

TEST_F(KvctlUnreachableFeedTest, WatchFallsBackToSseWhenTheAdvertisedFeedDoesNotAnswer) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl watch({"--url", url(), "--timeout", "1", "watch", "--prefix", prefix});
  ASSERT_TRUE(Joined(watch, kv(), prefix + "probe"));
  WriteChanges(kv(), prefix, test_key("out/a"));
  EXPECT_EQ(LinesThrough(watch, prefix + "end", prefix + "probe"), ExpectedChangeLines(prefix));
  const KvctlResult stopped = watch.stop(SIGINT);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
  EXPECT_EQ(stopped.err, "WARNING: no connection to the change feed " + url() + " advertises (" +
                             nowhere_ + ") within 1 s; watching over HTTP (--sse) instead\n");
}

TEST_F(KvctlTest, WatchFeedEndpointComesFromKvctlFeed) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl watch({"watch", "--prefix", prefix}, {"KVCTL_FEED=" + feed()});
  EXPECT_TRUE(Joined(watch, kv(), prefix + "probe"));
  EXPECT_TRUE(watch.stop(SIGINT).status.exited_with(0));
}

TEST_F(KvctlTest, WatchJsonPrintsEachEventAsTheNodeSentItOnBothTransports) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl zmq({"watch", "--json", "--feed", feed(), "--prefix", prefix});
  BackgroundKvctl sse({"--url", url(), "watch", "--sse", "--json", "--prefix", prefix});
  ASSERT_TRUE(Joined(zmq, kv(), prefix + "probe"));
  ASSERT_TRUE(Joined(sse, kv(), prefix + "probe"));
  ASSERT_EQ(kv().put_key(prefix + "v", all_byte_values()).status, 200);
  ASSERT_EQ(kv().delete_key(prefix + "v").status, 200);

  // The probes are puts: the one delete is the last change.
  const Lines from_zmq = LinesThrough(zmq, "\"op\":\"delete\"", prefix + "probe");
  const Lines lines = LinesThrough(sse, "\"op\":\"delete\"", prefix + "probe");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(from_zmq, lines) << "the same bytes on both transports";
  const auto put = nlohmann::json::parse(lines[0], nullptr, false);
  const auto erase = nlohmann::json::parse(lines[1], nullptr, false);
  ASSERT_TRUE(put.is_object() && erase.is_object()) << lines[0] << "\n" << lines[1];
  EXPECT_EQ(put.value("op", ""), "put");
  EXPECT_EQ(put.value("key", ""), prefix + "v");
  EXPECT_EQ(put.value("value", ""), base64_encode(all_byte_values()));
  EXPECT_EQ(erase.value("op", ""), "delete");
  EXPECT_FALSE(erase.contains("value"));
  EXPECT_EQ(erase.value("rev", 0u), put.value("rev", 0u) + 1);
  EXPECT_TRUE(zmq.stop(SIGINT).status.exited_with(0));
  EXPECT_TRUE(sse.stop(SIGINT).status.exited_with(0));
}

TEST_F(KvctlTest, WatchOverSseResumesWithSinceRevWithExactlyTheMissedChanges) {
  const std::string prefix = test_key("in/");
  std::uint64_t seen_rev = 0;
  {
    BackgroundKvctl first({"--url", url(), "watch", "--sse", "--json", "--prefix", prefix});
    ASSERT_TRUE(Joined(first, kv(), prefix + "probe"));
    ASSERT_EQ(kv().put_key(prefix + "1", "one").status, 200);
    const Lines lines = LinesThrough(first, prefix + "1", prefix + "probe");
    ASSERT_EQ(lines.size(), 1u);
    seen_rev = nlohmann::json::parse(lines[0]).at("rev").get<std::uint64_t>();
    ASSERT_TRUE(first.stop(SIGINT).status.exited_with(0));
  }
  // Missed while no watch runs.
  ASSERT_EQ(kv().put_key(prefix + "2", "two").status, 200);
  ASSERT_EQ(kv().delete_key(prefix + "1").status, 200);
  ASSERT_EQ(kv().put_key(test_key("out/x"), "not watched").status, 200);
  ASSERT_EQ(kv().put_key(prefix + "3", "three").status, 200);

  BackgroundKvctl resumed({"--url", url(), "watch", "--sse", "--since-rev",
                           std::to_string(seen_rev), "--prefix", prefix});
  const Lines expected_missed = {"PUT " + prefix + "2 two", "DELETE " + prefix + "1",
                                 "PUT " + prefix + "3 three"};
  EXPECT_EQ(resumed.wait_for_lines(3, 10s), expected_missed);
  // Then the live changes, with nothing repeated in between.
  ASSERT_EQ(kv().put_key(prefix + "4", "four").status, 200);
  Lines expected_all = expected_missed;
  expected_all.push_back("PUT " + prefix + "4 four");
  EXPECT_EQ(resumed.wait_for_lines(4, 10s), expected_all);
  const KvctlResult stopped = resumed.stop(SIGINT);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
  EXPECT_EQ(stopped.out, "PUT " + prefix + "2 two\nDELETE " + prefix + "1\nPUT " + prefix +
                             "3 three\nPUT " + prefix + "4 four\n");
  EXPECT_EQ(stopped.err, "");
}

// Writes `count` keys under `prefix` with values of `value_bytes` bytes, in batches.
::testing::AssertionResult WriteMany(KvClient& kv, const std::string& prefix, int count,
                                     std::size_t value_bytes) {
  std::map<std::string, std::string> entries;
  for (int i = 0; i < count; ++i) entries.try_emplace(numbered(prefix, i), value_bytes, 'v');
  return kv.put_all(entries);
}

// How many times each key appears in `lines` of PUT KEY VALUE, checking every value.
std::map<std::string, int> PutKeyCounts(const Lines& lines, const std::string& value) {
  std::map<std::string, int> counts;
  for (const auto& line : lines) {
    const std::size_t key_end = line.find(' ', 4);
    EXPECT_TRUE(line.starts_with("PUT ") && line.substr(key_end + 1) == value) << line;
    ++counts[line.substr(4, key_end - 4)];
  }
  return counts;
}

// kv_feed_dropped_total{transport="sse"}: the watch streams the node cut for falling behind.
int SseStreamsCut(KvClient& kv) {
  const std::string series = R"(kv_feed_dropped_total{transport="sse"} )";
  const std::string metrics = kv.get("/metrics").body;
  const std::size_t found = metrics.find("\n" + series);
  return found == std::string::npos ? -1 : std::stoi(metrics.substr(found + 1 + series.size()));
}

TEST_F(KvctlTest, WatchOverSseMissesAndRepeatsNothingWhenTheNodeCutsItForFallingBehind) {
  const std::string prefix = test_key("in/");
  BackgroundKvctl watch({"--url", url(), "watch", "--sse", "--prefix", prefix});
  ASSERT_TRUE(Joined(watch, kv(), prefix + "probe"));
  // kvctl's stdout is not read meanwhile: it blocks on it and stops reading its stream, and
  // the node cuts the stream once 10000 events or 4 MiB of them wait, while 28 MB are written:
  // far more than the pipe, both sockets' buffers and that queue together hold.
  constexpr int count = 20000;
  ASSERT_TRUE(WriteMany(kv(), prefix + "k", count, 1000));
  ASSERT_EQ(kv().put_key(prefix + "end", "").status, 200);

  Lines lines = LinesThrough(watch, prefix + "end", prefix + "probe", 120s);
  ASSERT_FALSE(lines.empty()) << "no line for the last write; kvctl's stderr: " << watch.err();
  lines.pop_back();
  const auto counts = PutKeyCounts(lines, std::string(1000, 'v'));
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(count));
  EXPECT_TRUE(std::all_of(counts.begin(), counts.end(), [](const auto& entry) {
    return entry.second == 1;
  })) << "a key was printed twice";
  EXPECT_GE(SseStreamsCut(kv()), 1) << "the node never cut the stream: nothing was resumed";
  const KvctlResult stopped = watch.stop(SIGINT);
  EXPECT_TRUE(stopped.status.exited_with(0)) << stopped.describe();
  EXPECT_EQ(stopped.err, "") << "a drop resumed at once loses nothing, so it is not reported";
}

// A node whose ZeroMQ feed queues a single event per subscriber, so that it drops at once.
class KvctlLossyFeedTest : public FreshNodeTest {
 protected:
  std::vector<std::string> node_args() override {
    return {"--config", dir_.write_file("kvnode.toml", "[feed]\nzmq_high_water_mark = 1\n")};
  }
  std::string feed() { return "tcp://" + node().host() + ":" + std::to_string(node().feed_port()); }

  TempDir dir_;
};

TEST_F(KvctlLossyFeedTest, WatchOverZeroMqWarnsOfTheEventsTheFeedDropped) {
  BackgroundKvctl watch({"watch", "--feed", feed()});
  ASSERT_TRUE(Joined(watch, kv(), "probe"));
  // kvctl's stdout is not read meanwhile, so its queues fill and the node drops events.
  constexpr int count = 10000;
  ASSERT_TRUE(WriteMany(kv(), "k", count, 1000));
  // The last write may be dropped too: written until its line comes.
  Lines lines;
  for (int attempt = 0; attempt < 100 && lines.empty(); ++attempt) {
    ASSERT_EQ(kv().put_key("end", "").status, 200);
    lines = LinesThrough(watch, "PUT end", "probe", 200ms);
  }
  ASSERT_FALSE(lines.empty()) << "no line for the last write; kvctl's stderr: " << watch.err();
  lines.pop_back();
  const auto counts = PutKeyCounts(lines, std::string(1000, 'v'));
  EXPECT_LT(counts.size(), static_cast<std::size_t>(count)) << "the feed dropped nothing";
  const std::string& err = watch.err();
  EXPECT_TRUE(err.starts_with("WARNING: lost ")) << err;
  EXPECT_NE(err.find("): the ZeroMQ feed dropped"), std::string::npos) << err;
  EXPECT_TRUE(watch.stop(SIGINT).status.exited_with(0));
}

// ---- usage -----------------------------------------------------------------------------------

TEST(KvctlUsageTest, BadCommandLinesExitTwoWithOneLine) {
  const std::string url = "http://127.0.0.1:" + std::to_string(pick_free_port());
  const std::vector<std::vector<std::string>> bad_command_lines = {
      {},                                                         // no command
      {"frobnicate"},                                             // unknown command
      {"--frobnicate", "ping"},                                   // unknown global flag
      {"get"},                                                    // missing argument
      {"get", "k", "extra"},                                      // one argument too many
      {"get", "k", "--bogus"},                                    // unknown flag of a command
      {"read"},                                                   // --key missing
      {"store", "--value", "v"},                                  // --key missing
      {"put"},                                                    // key missing
      {"put", "k", "v", "--if-version", "-1"},                    // negative version
      {"put", "k", "v", "--if-version", "two"},                   // not a number
      {"put", "k", "v", "--if-version", "18446744073709551616"},  // too large
      {"delete"},                                                 // no key
      {"delete", "a", "--key", "b"},                              // key twice
      {"search", "extra"},                                        // search takes no positional
      {"list", "--suffix", "s"},                                  // list has no --suffix
      {"ping", "--url"},                                          // option without its value
      {"--url", "ftp://host", "ping"},                            // unsupported scheme
      {"--url", "http://host:99999", "ping"},                     // bad port
      {"--timeout", "0", "ping"},                                 // non-positive time-out
      {"--timeout", "inf", "ping"},                               // endless time-out
      {"watch", "extra"},                                         // watch takes no positional
      {"watch", "--since-rev", "3"},                              // resuming needs --sse
      {"watch", "--sse", "--since-rev", "-1"},                    // negative rev
      {"watch", "--feed", "not-an-endpoint"},                     // ZeroMQ refuses it
      {"watch", "--suffix", "s"},                                 // watch has no --suffix
  };
  for (const auto& command_line : bad_command_lines) {
    std::string shown;
    for (const auto& word : command_line) shown += " " + word;
    EXPECT_TRUE(IsUsageError(run_kvctl(command_line, "", {"KVCTL_URL=" + url})))
        << "kvctl" << shown;
  }
}

TEST(KvctlUsageTest, UnknownCommandIsNamed) {
  EXPECT_TRUE(FailedWith(run_kvctl({"frobnicate"}), 2,
                         "ERROR: unknown command `frobnicate` (see kvctl --help)\n"));
}

TEST(KvctlUsageTest, BadKvctlUrlIsBadUsage) {
  EXPECT_TRUE(IsUsageError(run_kvctl({"ping"}, "", {"KVCTL_URL=ftp://host"})));
}

TEST(KvctlUsageTest, BadKvctlFeedIsBadUsage) {
  EXPECT_TRUE(IsUsageError(run_kvctl({"watch"}, "", {"KVCTL_FEED=not-an-endpoint"})));
}

TEST(KvctlUsageTest, EveryCommandHasHelp) {
  for (const std::string command :
       {"get", "put", "delete", "search", "list", "ping", "info", "store", "read", "watch"}) {
    const KvctlResult help = run_kvctl({command, "--help"});
    EXPECT_TRUE(help.status.exited_with(0)) << command << ": " << help.describe();
    EXPECT_NE(help.out.find("Usage: kvctl " + command), std::string::npos) << help.out;
    EXPECT_TRUE(help.err.empty()) << help.err;
  }
  const KvctlResult top = run_kvctl({"--help"});
  EXPECT_TRUE(top.status.exited_with(0)) << top.describe();
  for (const std::string command :
       {"get", "put", "delete", "search", "list", "ping", "info", "watch"}) {
    EXPECT_NE(top.out.find("  " + command + " "), std::string::npos) << command;
  }
}

TEST(KvctlUsageTest, WatchHelpExplainsTheLinesTheTransportsAndWhereTheFeedIsFound) {
  const KvctlResult help = run_kvctl({"watch", "--help"});
  for (const std::string text : {"PUT KEY VALUE", "DELETE KEY", "\\xNN", "--json", "--sse",
                                 "--since-rev", "advertises", "/v1/info", "KVCTL_FEED"}) {
    EXPECT_NE(help.out.find(text), std::string::npos) << text << " in:\n" << help.out;
  }
}

TEST(KvctlUsageTest, VersionPrintsTheProjectVersion) {
  EXPECT_TRUE(Succeeded(run_kvctl({"--version"}), project_version() + "\n"));
}

}  // namespace
}  // namespace kvtest
