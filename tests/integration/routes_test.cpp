// Black-box tests of the service routes (/v1/ping, /v1/readiness, /v1/info), unknown routes
// (404), wrong methods (405 with Allow), and HTTP/1.1 keep-alive.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

class ServiceRoutesTest : public SharedNodeTest<ServiceRoutesTest> {};

TEST_F(ServiceRoutesTest, PingAnswersStatusOk) {
  EXPECT_TRUE(IsJsonReply(kv().get("/v1/ping"), 200, {{"status", "ok"}}));
}

TEST_F(ServiceRoutesTest, ReadinessAnswersServingWhileTheNodeServes) {
  EXPECT_TRUE(IsJsonReply(kv().get("/v1/readiness"), 200, {{"status", "serving"}}));
}

TEST_F(ServiceRoutesTest, UnknownRoutesAreNotFound) {
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/nope"},          {"GET", "/v1"},         {"GET", "/v1/nope"},
      {"GET", "/v1/pingx"},      {"GET", "/v2/keys/a"},  {"GET", "/favicon.ico"},
      {"GET", "/v1/keysx"},      {"GET", "/v1/keysx/a"}, {"GET", "/getx/a"},
      {"GET", "/v1/ping/extra"}, {"POST", "/nope"},      {"DELETE", "/v1/nothing"},
      {"PUT", "/v1/key/a"},
  };
  for (const auto& [method, target] : requests) {
    SCOPED_TRACE(method + " " + target);
    EXPECT_TRUE(IsErrorReply(kv().request(method, target), 404, "not_found"));
  }
}

TEST_F(ServiceRoutesTest, WrongMethodOnAKnownRouteIs405WithAllow) {
  struct Case {
    std::string method;
    std::string target;
    std::vector<std::string> allowed;
  };
  const std::vector<std::string> key_methods = {"GET", "HEAD", "PUT", "POST", "DELETE"};
  const std::vector<Case> cases = {
      {"PATCH", key_path(test_key("k")), key_methods},
      {"PUT", "/v1/keys", {"GET", "POST"}},
      {"DELETE", "/v1/keys", {"GET", "POST"}},
      {"PATCH", "/v1/keys", {"GET", "POST"}},
      {"POST", "/v1/ping", {"GET"}},
      {"PUT", "/v1/ping", {"GET"}},
      {"DELETE", "/v1/ping", {"GET"}},
      {"POST", "/v1/readiness", {"GET"}},
      {"DELETE", "/v1/info", {"GET"}},
      {"POST", "/metrics", {"GET"}},
      {"POST", "/get/" + url_encode(test_key("k")), {"GET"}},
      {"DELETE", "/get/" + url_encode(test_key("k")), {"GET"}},
      {"GET", "/set", {"POST"}},
      {"PUT", "/set", {"POST"}},
      {"POST", "/search", {"GET"}},
      {"DELETE", "/search", {"GET"}},
      {"POST", "/", {"GET"}},
      {"DELETE", "/", {"GET"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    const Reply reply = kv().request(c.method, c.target, c.method == "GET" ? "" : "{}",
                                     c.method == "GET" ? "" : "application/json");
    EXPECT_TRUE(IsMethodNotAllowedReply(reply, c.allowed, c.method));
  }
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(test_key("k")), test_key("k")))
      << "a rejected method must not have written the key";
}

// ---- keep-alive ------------------------------------------------------------------------------

TEST_F(ServiceRoutesTest, KeepAliveClientCanSendSeveralRequests) {
  KvClient client = new_client(/*keep_alive=*/true);
  const std::string key = test_key("k");
  EXPECT_TRUE(IsJsonReply(client.get("/v1/ping"), 200, {{"status", "ok"}}));
  EXPECT_TRUE(IsWriteReply(client.put_key(key, "v"), key, 1, true));
  EXPECT_TRUE(IsValueReply(client.get_key(key), "v", 1));
  EXPECT_TRUE(IsJsonReply(client.get("/v1/ping"), 200, {{"status", "ok"}}));
}

TEST_F(ServiceRoutesTest, TwoRequestsTravelOverOneHttp11Connection) {
  RawConnection connection(node().host(), node().http_port());
  ASSERT_TRUE(connection.connected());
  const std::string ping = "GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  ASSERT_TRUE(connection.send(ping));
  const RawResponse first = connection.read_response(/*is_head=*/false);
  ASSERT_EQ(first.error, "");
  EXPECT_EQ(first.status, 200) << first.head;
  EXPECT_EQ(nlohmann::json::parse(first.body, nullptr, false), nlohmann::json({{"status", "ok"}}));

  ASSERT_TRUE(connection.send(ping));
  const RawResponse second = connection.read_response(/*is_head=*/false);
  ASSERT_EQ(second.error, "") << "the second request on the same connection got no reply";
  EXPECT_EQ(second.status, 200) << second.head;
}

TEST_F(ServiceRoutesTest, ResponsesToHttp11RequestsDoNotAnnounceConnectionClose) {
  KvClient client = new_client(/*keep_alive=*/true);
  for (const std::string target : {"/v1/ping", "/v1/readiness", "/v1/info"}) {
    SCOPED_TRACE(target);
    const Reply reply = client.get(target);
    ASSERT_EQ(reply.status, 200) << reply.describe();
    std::string connection = reply.header("Connection");
    for (auto& c : connection) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(connection, "close");
  }
}

// ---- /v1/info --------------------------------------------------------------------------------

std::string hex_byte(int byte) {
  char text[3];
  std::snprintf(text, sizeof text, "%02x", byte);
  return text;
}

// The partition of `key` under the default 16 equal-width ranges.
int default_partition_of(const std::string& key) {
  return static_cast<unsigned char>(key.at(0)) / 16;
}

class NodeInfoTest : public FreshNodeTest {
 protected:
  ::testing::AssertionResult GetInfo(nlohmann::json* info) {
    const Reply reply = kv().get("/v1/info");
    if (reply.status != 200) return ::testing::AssertionFailure() << reply.describe();
    if (media_type(reply.header("Content-Type")) != "application/json") {
      return ::testing::AssertionFailure() << "Content-Type " << reply.header("Content-Type");
    }
    *info = reply.json();
    if (!info->is_object()) return ::testing::AssertionFailure() << reply.describe();
    return ::testing::AssertionSuccess();
  }

  // Compares every partition's key and byte counts with `keys` and `bytes` (index = id).
  ::testing::AssertionResult HasCounts(const nlohmann::json& info, const std::vector<int>& keys,
                                       const std::vector<int>& bytes) {
    const auto& partitions = info["partitions"];
    if (!partitions.is_array() || partitions.size() != keys.size()) {
      return ::testing::AssertionFailure() << "partitions: " << partitions.dump();
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto& p = partitions[i];
      if (p["keys"] != keys[i] || p["bytes"] != bytes[i]) {
        return ::testing::AssertionFailure() << "partition " << i << ": expected keys " << keys[i]
                                             << " bytes " << bytes[i] << ", got " << p.dump();
      }
    }
    return ::testing::AssertionSuccess();
  }
};

TEST_F(NodeInfoTest, InfoDescribesTheNodeAndItsSixteenDefaultPartitions) {
  nlohmann::json info;
  ASSERT_TRUE(GetInfo(&info));
  std::vector<std::string> fields;
  for (const auto& [name, value] : info.items()) fields.push_back(name);
  EXPECT_EQ(fields, (std::vector<std::string>{"bytes", "feed", "keys", "node_id", "partitions",
                                              "uptime_seconds", "version"}));
  EXPECT_EQ(info["node_id"], "node-1");
  EXPECT_EQ(info["feed"], (nlohmann::json{{"zmq", "tcp://" + node().host() + ":" +
                                                      std::to_string(node().feed_port())}}));
  EXPECT_EQ(info["keys"], 0);
  EXPECT_EQ(info["bytes"], 0);
  EXPECT_EQ(info["version"], project_version());
  EXPECT_TRUE(info["uptime_seconds"].is_number_integer() && info["uptime_seconds"] >= 0)
      << info["uptime_seconds"].dump();

  ASSERT_TRUE(info["partitions"].is_array());
  ASSERT_EQ(info["partitions"].size(), 16u);
  for (int i = 0; i < 16; ++i) {
    SCOPED_TRACE(numbered("partition ", i));
    const nlohmann::json expected = {
        {"id", i},
        {"start", i == 0 ? "" : hex_byte(i * 16)},
        {"end", i == 15 ? nlohmann::json(nullptr) : nlohmann::json(hex_byte((i + 1) * 16))},
        {"keys", 0},
        {"bytes", 0}};
    EXPECT_EQ(info["partitions"][i], expected);
  }
}

TEST_F(NodeInfoTest, InfoCountsKeysAndBytesPerPartition) {
  const std::map<std::string, std::string> entries = {
      {"!bang", "1"},
      {"5five", "55555"},
      {"Apple", "red"},
      {"Zed", ""},
      {"apple", "green apple"},
      {"apricot", "orange"},
      {"zebra", "stripes"},
      {"\xC3\xA9t\xC3\xA9", "summer"},
      {"\xD0\x96uk", "beetle"},
      {"\xE6\x97\xA5\xE6\x9C\xAC", "japan"},
      {"\xF0\x9F\x98\x80", "smile"},
  };
  std::vector<int> keys(16, 0), bytes(16, 0);
  for (const auto& [key, value] : entries) {
    ASSERT_TRUE(IsWriteReply(kv().put_key(key, value), key, 1, true));
    keys[default_partition_of(key)] += 1;
    bytes[default_partition_of(key)] += static_cast<int>(key.size() + value.size());
  }
  nlohmann::json info;
  ASSERT_TRUE(GetInfo(&info));
  EXPECT_TRUE(HasCounts(info, keys, bytes));
  int total = 0;
  int total_bytes = 0;
  for (const auto& p : info["partitions"]) {
    total += p["keys"].get<int>();
    total_bytes += p["bytes"].get<int>();
  }
  EXPECT_EQ(total, static_cast<int>(entries.size()));
  // The node totals are the sums over the partitions.
  EXPECT_EQ(info["keys"], total);
  EXPECT_EQ(info["bytes"], total_bytes);

  // Overwrite with a longer value, delete one key: counts follow.
  ASSERT_TRUE(IsWriteReply(kv().put_key("apple", "a much longer green apple"), "apple", 2, false));
  bytes[6] += static_cast<int>(std::string("a much longer green apple").size() -
                               std::string("green apple").size());
  ASSERT_TRUE(IsJsonReply(kv().delete_key("zebra"), 200, {{"key", "zebra"}, {"deleted", true}}));
  keys[7] -= 1;
  bytes[7] -= static_cast<int>(std::string("zebra").size() + std::string("stripes").size());
  ASSERT_TRUE(GetInfo(&info));
  EXPECT_TRUE(HasCounts(info, keys, bytes));
}

TEST_F(NodeInfoTest, InfoKeyCountsSumToTheNumberOfKeysWritten) {
  std::map<std::string, std::string> entries;
  const std::string firsts[] = {"!",
                                "0",
                                "9",
                                "A",
                                "M",
                                "Z",
                                "a",
                                "m",
                                "z",
                                "~",
                                "\xC3\xA9",
                                "\xD0\x96",
                                "\xE6\x97\xA5",
                                "\xF0\x9F\x98\x80"};
  for (int i = 0; i < 1400; ++i) entries[firsts[i % 14] + numbered("/", i)] = numbered("v", i);
  ASSERT_TRUE(kv().put_all(entries));
  nlohmann::json info;
  ASSERT_TRUE(GetInfo(&info));
  int total = 0;
  int non_empty = 0;
  for (const auto& p : info["partitions"]) {
    total += p["keys"].get<int>();
    non_empty += p["keys"].get<int>() > 0 ? 1 : 0;
  }
  EXPECT_EQ(total, 1400);
  EXPECT_EQ(non_empty, 10) << "keys should land in partitions 2-7 and 12-15";
}

TEST_F(NodeInfoTest, UptimeGrowsWhileTheNodeRuns) {
  nlohmann::json info;
  ASSERT_TRUE(GetInfo(&info));
  const auto first = info["uptime_seconds"].get<double>();
  // Bounded poll: uptime must reach first + 1 at some point.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  double latest = first;
  while (latest < first + 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(GetInfo(&info));
    latest = info["uptime_seconds"].get<double>();
  }
  EXPECT_GE(latest, first + 1);
}

}  // namespace
}  // namespace kvtest
