// Black-box tests of the kvctl binary against a real kvnode: every command and spelling,
// byte-exact values through stdin and stdout, exit statuses and messages, URLs, --json, paging.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_process.hpp"

#ifndef KVCTL_BINARY
#error "KVCTL_BINARY must be defined by the build"
#endif

extern char** environ;

namespace kvtest {
namespace {

using clock_type = std::chrono::steady_clock;

// ---- running kvctl ---------------------------------------------------------------------------

struct KvctlResult {
  ExitStatus status;
  std::string out;
  std::string err;

  // For failure messages: how it ended and what it said.
  std::string describe() const {
    return status.describe() + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  }
};

// The test's own environment without KVCTL_URL, plus `extra` ("NAME=value" entries), so that
// only what a test sets decides which node kvctl talks to.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "KVCTL_URL=", 10) != 0) entries.emplace_back(*entry);
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return entries;
}

std::vector<char*> null_terminated(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// The three standard streams of a child: our ends stay here, its ends are dup2()ed onto
// 0, 1 and 2. Every descriptor is close-on-exec, so the child keeps only those three.
struct ChildPipes {
  int stdin_fds[2] = {-1, -1};
  int stdout_fds[2] = {-1, -1};
  int stderr_fds[2] = {-1, -1};

  bool open() {
    return ::pipe2(stdin_fds, O_CLOEXEC) == 0 && ::pipe2(stdout_fds, O_CLOEXEC) == 0 &&
           ::pipe2(stderr_fds, O_CLOEXEC) == 0;
  }
  void close_child_ends() {
    close_fd(stdin_fds[0]);
    close_fd(stdout_fds[1]);
    close_fd(stderr_fds[1]);
  }
  ~ChildPipes() {
    for (int* fd : {&stdin_fds[0], &stdin_fds[1], &stdout_fds[0], &stdout_fds[1], &stderr_fds[0],
                    &stderr_fds[1]}) {
      close_fd(*fd);
    }
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

pid_t spawn_kvctl(const std::vector<std::string>& args, const std::vector<std::string>& env,
                  ChildPipes& pipes) {
  std::vector<std::string> argv_storage = {KVCTL_BINARY};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<std::string> env_storage = child_environment(env);
  auto argv = null_terminated(argv_storage);
  auto envp = null_terminated(env_storage);

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, pipes.stdin_fds[0], STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, pipes.stdout_fds[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, pipes.stderr_fds[1], STDERR_FILENO);
  pid_t pid = -1;
  const int failed = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  return failed ? -1 : pid;
}

// Appends what is ready on `fd` to `sink`; false once the child has closed its end.
bool read_available(int fd, std::string& sink) {
  char buffer[1 << 16];
  const ssize_t count = ::read(fd, buffer, sizeof buffer);
  if (count > 0) sink.append(buffer, static_cast<std::size_t>(count));
  return count > 0 || (count < 0 && (errno == EINTR || errno == EAGAIN));
}

int milliseconds_until(clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

// Writes `input` to the child's stdin (then closes it) while collecting stdout and stderr, all
// at once so that neither side blocks on a full pipe. False when the deadline passed first.
bool exchange_io(ChildPipes& pipes, const std::string& input, KvctlResult& result,
                 clock_type::time_point deadline) {
  int& to_child = pipes.stdin_fds[1];
  ::fcntl(to_child, F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) ChildPipes::close_fd(to_child);
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    pollfd watched[3] = {{out_open ? pipes.stdout_fds[0] : -1, POLLIN, 0},
                         {err_open ? pipes.stderr_fds[0] : -1, POLLIN, 0},
                         {to_child, POLLOUT, 0}};
    const int wait_ms = milliseconds_until(deadline);
    if (wait_ms == 0) return false;
    if (::poll(watched, 3, wait_ms) < 0 && errno != EINTR) return false;
    if (watched[0].revents) out_open = read_available(pipes.stdout_fds[0], result.out);
    if (watched[1].revents) err_open = read_available(pipes.stderr_fds[0], result.err);
    if (to_child >= 0 && watched[2].revents) {
      const ssize_t count = ::write(to_child, input.data() + written, input.size() - written);
      if (count > 0) written += static_cast<std::size_t>(count);
      // A child that exits without reading all of stdin (put KEY VALUE) is not an error.
      const bool broken = count < 0 && errno != EINTR && errno != EAGAIN;
      if (broken || written == input.size()) ChildPipes::close_fd(to_child);
    }
  }
  return true;
}

ExitStatus wait_for_child(pid_t pid, clock_type::time_point deadline) {
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (clock_type::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ExitStatus killed;
      killed.timed_out = true;
      return killed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ExitStatus ended;
  ended.exited = WIFEXITED(status);
  ended.exit_code = ended.exited ? WEXITSTATUS(status) : -1;
  ended.signaled = WIFSIGNALED(status);
  ended.signal = ended.signaled ? WTERMSIG(status) : 0;
  return ended;
}

// Runs kvctl with exactly `args`, `input` on stdin, and `env` added to the environment.
KvctlResult run_kvctl(const std::vector<std::string>& args, const std::string& input = "",
                      const std::vector<std::string>& env = {}) {
  // Writing stdin of a child that has exited must fail with EPIPE, not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  KvctlResult result;
  ChildPipes pipes;
  if (!pipes.open()) {
    result.err = std::string("pipe2 failed: ") + std::strerror(errno);
    return result;
  }
  const pid_t pid = spawn_kvctl(args, env, pipes);
  if (pid < 0) {
    result.err = "cannot spawn " + std::string(KVCTL_BINARY);
    return result;
  }
  pipes.close_child_ends();
  const bool finished = exchange_io(pipes, input, result, deadline);
  result.status = wait_for_child(pid, finished ? deadline : clock_type::now());
  return result;
}

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
                                                  {"--json", "get", "k"}}) {
    std::vector<std::string> args = {"--url", nowhere};
    args.insert(args.end(), command.begin(), command.end());
    EXPECT_TRUE(
        FailedWith(run_kvctl(args), 1, "ERROR: cannot reach " + nowhere + ": Connection refused\n"))
        << command.back();
  }
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

TEST(KvctlUsageTest, EveryCommandHasHelp) {
  for (const std::string command :
       {"get", "put", "delete", "search", "list", "ping", "info", "store", "read"}) {
    const KvctlResult help = run_kvctl({command, "--help"});
    EXPECT_TRUE(help.status.exited_with(0)) << command << ": " << help.describe();
    EXPECT_NE(help.out.find("Usage: kvctl " + command), std::string::npos) << help.out;
    EXPECT_TRUE(help.err.empty()) << help.err;
  }
  const KvctlResult top = run_kvctl({"--help"});
  EXPECT_TRUE(top.status.exited_with(0)) << top.describe();
  for (const std::string command : {"get", "put", "delete", "search", "list", "ping", "info"}) {
    EXPECT_NE(top.out.find("  " + command + " "), std::string::npos) << command;
  }
  EXPECT_EQ(top.out.find("watch"), std::string::npos) << "watch is not implemented yet";
}

TEST(KvctlUsageTest, VersionPrintsTheProjectVersion) {
  EXPECT_TRUE(Succeeded(run_kvctl({"--version"}), project_version() + "\n"));
}

}  // namespace
}  // namespace kvtest
