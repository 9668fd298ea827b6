// Bearer tokens against a real kvnode with [auth] tokens_file: 401 and 403 on every route
// family, ping and readiness open, listings and watches filtered to the token's prefixes, the
// SIGHUP reload (open watches included), refusal of a bad tokens file at start, and the tokens
// absent from the logs.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "auth/token_hash.hpp"
#include "tests/support/kv_client.hpp"
#include "tests/support/kvctl_runner.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

const std::string admin_token = "admin-7d1f0c9a-token";
const std::string app_token = "app-3b8e52aa-token";
const std::string metrics_token = "metrics-91c4e7d2-token";
const std::string late_token = "late-0f6a2d45-token";

std::string token_entry(const std::string& name, const std::string& token,
                        const std::string& rules) {
  return "[[token]]\nname = \"" + name + "\"\nsha256 = \"" +
         kv::auth::hex_of(kv::auth::sha256_of(token)) + "\"\nrules = " + rules + "\n";
}

std::string first_tokens_file() {
  return token_entry("admin", admin_token, R"([{prefix = "", access = "write"}])") +
         token_entry("app", app_token,
                     R"([{prefix = "a/", access = "write"}, {prefix = "r/", access = "read"},)"
                     R"( {prefix = "kvs/int/", access = "read"}])") +
         token_entry("scraper", metrics_token, R"([{prefix = "metrics", access = "read"}])");
}

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new TempDir();
    tokens_path_ = files_->write_file("tokens.toml", first_tokens_file());
    const std::string config =
        files_->write_file("kvnode.toml", "[auth]\ntokens_file = \"" + tokens_path_ + "\"\n");
    node_ = new NodeProcess({"--config", config});
    std::string error;
    ASSERT_TRUE(node_->start(&error)) << error;
  }
  static void TearDownTestSuite() {
    delete node_;
    delete files_;
  }

  Reply call(const std::string& method, const std::string& target, const std::string& token,
             const std::string& body = "") {
    KvClient client(node_->host(), node_->http_port());
    return client.request(method, target, body, body.empty() ? "" : "application/json",
                          token.empty() ? httplib::Headers{} : bearer(token));
  }

  static TempDir* files_;
  static std::string tokens_path_;
  static NodeProcess* node_;
};

TempDir* AuthTest::files_ = nullptr;
std::string AuthTest::tokens_path_;
NodeProcess* AuthTest::node_ = nullptr;

struct RouteCall {
  std::string method;
  std::string target;
  std::string body;
};

// One call of every route family that needs a token.
const std::vector<RouteCall> guarded_routes = {
    {"GET", "/v1/keys/a/x", ""},
    {"HEAD", "/v1/keys/a/x", ""},
    {"PUT", "/v1/keys/a/x", "v"},
    {"POST", "/v1/keys/a/x", R"({"value":"dg=="})"},
    {"DELETE", "/v1/keys/a/x", ""},
    {"POST", "/v1/keys/a/n?op=incr", "1"},
    {"POST", "/v1/keys/a/x?op=expire", "30"},
    {"POST", "/v1/keys", R"({"a/1":"v"})"},
    {"GET", "/v1/keys", ""},
    {"GET", "/", ""},
    {"GET", "/search?prefix=a", ""},
    {"GET", "/v1/watch", ""},
    {"GET", "/metrics", ""},
    {"GET", "/v1/info", ""},
    {"GET", "/get/a/x", ""},
    {"POST", "/set", R"({"a/1":"v"})"},
    {"PUT", "/kv", R"({"key":"a/1","value":"v"})"},
    {"GET", "/kvs/v1-0-0/int-get/a", ""},
    {"GET", "/socket.io/?transport=polling&EIO=4&t=1", ""},
};

TEST_F(AuthTest, EveryGuardedRouteAnswers401WithoutAValidToken) {
  for (const auto& route : guarded_routes) {
    for (const std::string& token : {std::string(), std::string("not-a-known-token")}) {
      const Reply reply = call(route.method, route.target, token, route.body);
      const std::string what = route.method + " " + route.target + " token=" + token;
      EXPECT_EQ(reply.status, 401) << what << ": " << reply.describe();
      EXPECT_EQ(reply.header("WWW-Authenticate").rfind("Bearer", 0), 0u) << what;
      if (route.method != "HEAD") {
        EXPECT_TRUE(IsErrorReply(reply, 401, "unauthorized")) << what;
      }
    }
  }
}

TEST_F(AuthTest, AnotherSchemeThanBearerIs401) {
  KvClient client(node_->host(), node_->http_port());
  const Reply reply =
      client.request("GET", "/v1/info", "", "", {{"Authorization", "Basic " + admin_token}});
  EXPECT_TRUE(IsErrorReply(reply, 401, "unauthorized"));
}

TEST_F(AuthTest, PingAndReadinessNeedNoToken) {
  EXPECT_EQ(call("GET", "/v1/ping", "").status, 200);
  EXPECT_EQ(call("GET", "/v1/readiness", "").status, 200);
}

TEST_F(AuthTest, AValidTokenIsServedWithinItsPrefixes) {
  EXPECT_TRUE(IsWriteReply(call("PUT", "/v1/keys/a/served", app_token, "v1"), "a/served", 1, true));
  EXPECT_TRUE(IsValueReply(call("GET", "/v1/keys/a/served", app_token), "v1", 1));
  EXPECT_EQ(call("HEAD", "/v1/keys/a/served", app_token).status, 200);
  EXPECT_EQ(call("POST", "/v1/keys/a/count?op=incr", app_token, "2").status, 200);
  EXPECT_EQ(call("GET", "/v1/keys/r/missing", app_token).status, 404);
  EXPECT_EQ(call("GET", "/get/a/served", app_token).status, 200);
  EXPECT_EQ(call("GET", "/v1/info", app_token).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/keys/a/served", app_token).status, 200);
  EXPECT_EQ(call("PUT", "/kv", app_token, R"({"key":"a/flask","value":"v"})").status, 200);
  // isnastish's routes check the store key: int-get/a reads kvs/int/a.
  const int kvs = call("GET", "/kvs/v1-0-0/int-get/a", app_token).status;
  EXPECT_NE(kvs, 401);
  EXPECT_NE(kvs, 403);
  EXPECT_EQ(call("POST", "/kvs/v1-0-0/hello", app_token).status, 200);
}

TEST_F(AuthTest, KeysOutsideTheTokensPrefixesAre403) {
  const std::vector<RouteCall> forbidden = {
      {"GET", "/v1/keys/b/x", ""},
      {"HEAD", "/v1/keys/b/x", ""},
      {"PUT", "/v1/keys/b/x", "v"},
      {"PUT", "/v1/keys/r/x", "v"},  // read access only
      {"POST", "/v1/keys/r/x", R"({"value":"dg=="})"},
      {"DELETE", "/v1/keys/r/x", ""},
      {"POST", "/v1/keys/b/n?op=incr", "1"},
      {"POST", "/v1/keys/r/n?op=sadd", R"(["m"])"},
      {"POST", "/v1/keys/b/x?op=expire", "30"},
      {"POST", "/v1/keys/r/x?op=persist", ""},
      {"GET", "/get/b/x", ""},
      {"GET", "/metrics", ""},
      {"PUT", "/kv", R"({"key":"b/flask","value":"v"})"},
      {"GET", "/kv", R"({"key":"b/flask"})"},
      {"GET", "/kvs/v1-0-0/str-get/a", ""},
      {"PUT", "/kvs/v1-0-0/int-put/a", "1"},
      {"PUT", "/kvs/v1-0-0/int-incr/a", ""},
      {"DELETE", "/kvs/v1-0-0/del/a", ""},
      {"GET", "/socket.io/?transport=polling&EIO=4&t=1", ""},
  };
  for (const auto& route : forbidden) {
    const Reply reply = call(route.method, route.target, app_token, route.body);
    const std::string what = route.method + " " + route.target;
    if (route.method == "HEAD") {
      EXPECT_EQ(reply.status, 403) << what;
    } else {
      EXPECT_TRUE(IsErrorReply(reply, 403, "forbidden")) << what << ": " << reply.describe();
    }
  }
  EXPECT_EQ(call("GET", "/v1/keys/b/x", admin_token).status, 404) << "nothing was written";
}

TEST_F(AuthTest, ABatchWithOneForbiddenKeyWritesNothing) {
  for (const std::string route : {"/v1/keys", "/set"}) {
    const Reply reply = call("POST", route, app_token, R"({"a/batch1":"v","b/batch1":"v"})");
    EXPECT_TRUE(IsErrorReply(reply, 403, "forbidden")) << route << ": " << reply.describe();
    EXPECT_EQ(call("GET", "/v1/keys/a/batch1", admin_token).status, 404) << route;
  }
  EXPECT_TRUE(IsJsonReply(call("POST", "/v1/keys", app_token, R"({"a/batch2":"v"})"), 200,
                          {{"written", 1}}));
}

TEST_F(AuthTest, MetricsNeedsARuleOnMetrics) {
  EXPECT_EQ(call("GET", "/metrics", metrics_token).status, 200);
  EXPECT_EQ(call("GET", "/metrics", admin_token).status, 200);
  EXPECT_TRUE(IsErrorReply(call("GET", "/v1/keys/a/x", metrics_token), 403, "forbidden"));
}

TEST_F(AuthTest, ListingsShowOnlyReadableKeys) {
  for (const std::string key : {"a/list", "b/list", "r/list", "z/list"}) {
    ASSERT_EQ(call("PUT", "/v1/keys/" + key, admin_token, "v").status, 200) << key;
  }
  const Reply listed = call("GET", "/v1/keys?suffix=/list", app_token);
  EXPECT_TRUE(IsJsonReply(listed, 200, {{"keys", {"a/list", "r/list"}}, {"next", nullptr}}));
  const Reply everything = call("GET", "/v1/keys?suffix=/list", admin_token);
  EXPECT_TRUE(IsJsonReply(everything, 200,
                          {{"keys", {"a/list", "b/list", "r/list", "z/list"}}, {"next", nullptr}}));
  EXPECT_TRUE(IsJsonReply(call("GET", "/search?suffix=/list", app_token), 200,
                          nlohmann::json::array({"a/list", "r/list"})));
  const Reply dump = call("GET", "/", app_token);
  ASSERT_EQ(dump.status, 200) << dump.describe();
  const nlohmann::json dumped = dump.json();
  for (const auto& [key, value] : dumped.items()) {
    EXPECT_TRUE(key.starts_with("a/") || key.starts_with("r/")) << key;
  }
  EXPECT_TRUE(dumped.contains("r/list"));
  const Reply values = call("GET", "/v1/keys?prefix=b/&values=true", app_token);
  EXPECT_TRUE(IsJsonReply(values, 200, {{"items", nlohmann::json::array()}, {"next", nullptr}}));
}

TEST_F(AuthTest, AWatchDeliversOnlyReadableKeys) {
  for (const std::string key : {"b/w1", "a/w1", "z/w2", "r/w2", "b/w3", "a/wend"}) {
    ASSERT_EQ(call("PUT", "/v1/keys/" + key, admin_token, "v").status, 200) << key;
  }
  // The retained history replays every event since rev 0, so what arrives does not depend on
  // when the stream opens; the stream is read until the last key written.
  KvClient client(node_->host(), node_->http_port());
  client.http().set_read_timeout(10s);
  std::string stream;
  auto reply = client.http().Get("/v1/watch?since_rev=0", bearer(app_token),
                                 [&](const char* data, std::size_t length) {
                                   stream.append(data, length);
                                   return stream.find("\"key\":\"a/wend\"") == std::string::npos;
                                 });
  ASSERT_NE(stream.find("\"key\":\"a/wend\""), std::string::npos) << stream;
  std::vector<std::string> keys;
  std::istringstream lines(stream);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("data: ")) continue;
    keys.push_back(nlohmann::json::parse(line.substr(6))["key"].get<std::string>());
  }
  for (const auto& key : keys) {
    EXPECT_TRUE(key.starts_with("a/") || key.starts_with("r/")) << key;
  }
  EXPECT_NE(std::find(keys.begin(), keys.end(), "a/w1"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "r/w2"), keys.end());
}

TEST_F(AuthTest, SighupReadsANewFileAndABrokenOneKeepsTheOld) {
  EXPECT_EQ(call("GET", "/v1/info", late_token).status, 401);
  files_->write_file("tokens.toml",
                     first_tokens_file() +
                         token_entry("late", late_token, R"([{prefix = "l/", access = "write"}])"));
  node_->send_signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (call("GET", "/v1/info", late_token).status != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(call("PUT", "/v1/keys/l/1", late_token, "v").status, 200);

  files_->write_file("tokens.toml",
                     token_entry("broken", "x", R"([{prefix = "", access = "own"}])"));
  node_->send_signal(SIGHUP);
  const auto logged = std::chrono::steady_clock::now() + 10s;
  while (node_->stderr_text().find("kept the tokens in force") == std::string::npos &&
         std::chrono::steady_clock::now() < logged) {
    std::this_thread::sleep_for(20ms);
  }
  const std::string log = node_->stderr_text();
  EXPECT_NE(log.find("kept the tokens in force"), std::string::npos) << log;
  EXPECT_NE(log.find("\"own\""), std::string::npos) << log;
  EXPECT_EQ(call("PUT", "/v1/keys/l/2", late_token, "v").status, 200);
  EXPECT_EQ(call("GET", "/v1/keys/l/2", admin_token).status, 200);
  files_->write_file("tokens.toml", first_tokens_file());
}

// Writes the tokens file, sends SIGHUP and waits until `applied` says the node uses it.
void reload_tokens(TempDir& files, NodeProcess& node, const std::string& text,
                   const std::function<bool()>& applied) {
  files.write_file("tokens.toml", text);
  node.send_signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!applied() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(applied()) << "the node never applied the new tokens file";
}

TEST_F(AuthTest, AnOpenWatchFollowsAReloadThatNarrowsOrRemovesItsToken) {
  const std::string watcher_token = "watcher-5c2e81b7-token";
  const auto with_watcher = [&](const std::string& rules) {
    return first_tokens_file() + token_entry("watcher", watcher_token, rules);
  };
  reload_tokens(
      *files_, *node_,
      with_watcher(R"([{prefix = "n/", access = "read"}, {prefix = "m/", access = "read"}])"),
      [&] { return call("GET", "/v1/keys/m/x", watcher_token).status == 404; });

  std::mutex mutex;
  std::string stream;
  const auto received = [&](const std::string& text) {
    const std::lock_guard lock(mutex);
    return stream.find(text) != std::string::npos;
  };
  const auto wait_for = [&](const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!received(text) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    return received(text);
  };
  auto watch = std::async(std::launch::async, [&] {
    KvClient client(node_->host(), node_->http_port());
    client.http().set_read_timeout(30s);
    client.http().Get("/v1/watch", bearer(watcher_token), [&](const char* data, std::size_t n) {
      const std::lock_guard lock(mutex);
      stream.append(data, n);
      return true;
    });
  });
  ASSERT_TRUE(wait_for("id: ")) << "the stream never started";
  ASSERT_EQ(call("PUT", "/v1/keys/n/1", admin_token, "v").status, 200);
  ASSERT_TRUE(wait_for("\"key\":\"n/1\"")) << stream;

  reload_tokens(*files_, *node_, with_watcher(R"([{prefix = "n/", access = "read"}])"),
                [&] { return call("GET", "/v1/keys/m/x", watcher_token).status == 403; });
  ASSERT_EQ(call("PUT", "/v1/keys/m/2", admin_token, "v").status, 200);
  ASSERT_EQ(call("PUT", "/v1/keys/n/3", admin_token, "v").status, 200);
  ASSERT_TRUE(wait_for("\"key\":\"n/3\"")) << stream;
  EXPECT_FALSE(received("\"key\":\"m/2\"")) << "an event the new rules hide went out";

  reload_tokens(*files_, *node_, first_tokens_file(),
                [&] { return call("GET", "/v1/info", watcher_token).status == 401; });
  ASSERT_EQ(call("PUT", "/v1/keys/n/4", admin_token, "v").status, 200);
  ASSERT_EQ(watch.wait_for(10s), std::future_status::ready) << "the stream stayed open";
  EXPECT_FALSE(received("\"key\":\"n/4\"")) << stream;
}

TEST_F(AuthTest, NoTokenEverReachesTheLog) {
  call("GET", "/v1/keys/a/x", app_token);
  call("GET", "/v1/keys/b/x", app_token);
  call("GET", "/v1/keys/a/x", "wrong-" + app_token);
  call("GET", "/metrics", admin_token);
  const std::string log = node_->stderr_text();
  for (const auto& token : {admin_token, app_token, metrics_token, late_token}) {
    EXPECT_EQ(log.find(token), std::string::npos) << token;
  }
}

TEST_F(AuthTest, KvctlSendsItsTokenAndReportsRefusals) {
  const std::string url = "http://127.0.0.1:" + std::to_string(node_->http_port());
  const KvctlResult put = run_kvctl({"--url", url, "--token", app_token, "put", "a/kvctl", "v"});
  EXPECT_TRUE(put.status.exited_with(0)) << put.describe();
  const KvctlResult get =
      run_kvctl({"--url", url, "get", "a/kvctl"}, "", {"KVCTL_TOKEN=" + app_token});
  EXPECT_TRUE(get.status.exited_with(0)) << get.describe();
  EXPECT_EQ(get.out, "v");
  const KvctlResult forbidden =
      run_kvctl({"--url", url, "--token", app_token, "put", "b/kvctl", "v"});
  EXPECT_TRUE(forbidden.status.exited_with(1)) << forbidden.describe();
  EXPECT_NE(forbidden.err.find("may not write key `b/kvctl`"), std::string::npos) << forbidden.err;
  const KvctlResult anonymous = run_kvctl({"--url", url, "get", "a/kvctl"});
  EXPECT_TRUE(anonymous.status.exited_with(1)) << anonymous.describe();
  EXPECT_NE(anonymous.err.find("Authorization: Bearer"), std::string::npos) << anonymous.err;
}

TEST(AuthStartTest, AnUnusableTokensFileStopsTheNodeWithExit2) {
  TempDir files;
  const std::vector<std::pair<std::string, std::optional<std::string>>> cases = {
      {"missing.toml", std::nullopt},
      {"bad-toml.toml", "[[token]\n"},
      {"bad-access.toml", token_entry("a", "t", R"([{prefix = "", access = "all"}])")},
      {"no-rules.toml", token_entry("a", "t", "[]")},
  };
  for (const auto& [name, content] : cases) {
    const std::string path =
        content ? files.write_file(name, *content) : (files.path() / name).string();
    const std::string config =
        files.write_file("kvnode.toml", "[auth]\ntokens_file = \"" + path + "\"\n");
    const RunResult run = run_kvnode({"--config", config, "--http-listen", "127.0.0.1:0"});
    EXPECT_TRUE(run.status.exited_with(2)) << name << ": " << run.status.describe();
    const auto lines = non_empty_lines(run.stderr_text);
    ASSERT_EQ(lines.size(), 1u) << name << ": " << run.stderr_text;
    EXPECT_NE(lines[0].find(path), std::string::npos) << lines[0];
  }
}

}  // namespace
}  // namespace kvtest
