// What a hostile or careless client found: slow readers, pipelining, malformed framing, huge
// heads and bodies, requests that never finish, and running out of descriptors. Each answer is
// the contract's JSON error, nothing malformed is written, and no client can stall another.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

// Short enough that the timeout tests end quickly; slow readers read often enough to stay.
constexpr int idle_timeout_seconds = 3;

int connect_to(std::uint16_t port, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A client that asks for a large answer and then reads it a few hundred bytes at a time, as
// `curl --limit-rate` or a socket with a tiny receive buffer would.
class SlowReader {
 public:
  SlowReader(std::uint16_t port, const std::string& target) {
    fd_ = connect_to(port, 1024);
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
    thread_ = std::thread([this] {
      char buffer[256];
      while (!stop_.load()) {
        std::this_thread::sleep_for(50ms);
        if (::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT) > 0) received_ += sizeof buffer;
      }
    });
  }
  ~SlowReader() {
    stop_.store(true);
    thread_.join();
    ::close(fd_);
  }
  SlowReader(const SlowReader&) = delete;
  SlowReader& operator=(const SlowReader&) = delete;

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> received_{0};
  std::thread thread_;
};

::testing::AssertionResult IsRawError(const RawResponse& response, int status,
                                      const std::string& code) {
  if (!response.error.empty()) return ::testing::AssertionFailure() << response.error;
  if (response.status != status) {
    return ::testing::AssertionFailure()
           << "status " << response.status << ", wanted " << status << ": " << response.head << "\n"
           << response.body;
  }
  if (response.head.find("Content-Type: application/json") == std::string::npos) {
    return ::testing::AssertionFailure() << "not JSON: " << response.head;
  }
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || body.value("error", "") != code || !body.contains("message")) {
    return ::testing::AssertionFailure()
           << "not the error body for " << code << ": " << response.body;
  }
  return ::testing::AssertionSuccess();
}

class HostileClientTest : public SharedNodeTest<HostileClientTest> {
 public:
  static std::vector<std::string> node_args() {
    static TempDir dir;
    return {"--config",
            dir.write_file("kvnode.toml", "[http]\nidle_timeout_seconds = " +
                                              std::to_string(idle_timeout_seconds) + "\n")};
  }

 protected:
  // Sends `bytes` on a new connection and reads one answer.
  RawResponse exchange(const std::string& bytes) {
    RawConnection connection(node().host(), node().http_port());
    connection.send(bytes);
    return connection.read_response(false);
  }

  // 20,000 keys of 1 KiB: a listing with values or GET / is tens of megabytes.
  void store_large_data_set() {
    static bool stored = false;
    if (stored) return;
    std::map<std::string, std::string> entries;
    for (int i = 0; i < 20000; ++i) entries[numbered("slow/", i)] = std::string(1024, 'v');
    ASSERT_TRUE(kv().put_all(entries));
    stored = true;
  }

  // Every one of `rounds` pings and key reads on fresh connections answers 200.
  void expect_other_clients_served(int rounds) {
    ASSERT_TRUE(kv().put_key(test_key("probe"), "p").status == 200);
    for (int i = 0; i < rounds; ++i) {
      const RawResponse ping =
          exchange("GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      ASSERT_EQ(ping.status, 200) << "round " << i << ": " << ping.error;
      EXPECT_EQ(new_client().get_key(test_key("probe")).status, 200) << "round " << i;
    }
  }
};

TEST_F(HostileClientTest, SlowReadersOfAListingDoNotStallOtherClients) {
  store_large_data_set();
  SlowReader first(node().http_port(), "/v1/keys?values=true&limit=10000");
  SlowReader second(node().http_port(), "/v1/keys?values=true&limit=10000");
  std::this_thread::sleep_for(300ms);
  expect_other_clients_served(30);
}

TEST_F(HostileClientTest, SlowReadersOfTheWholeStoreDoNotStallOtherClients) {
  store_large_data_set();
  SlowReader first(node().http_port(), "/");
  SlowReader second(node().http_port(), "/");
  std::this_thread::sleep_for(300ms);
  expect_other_clients_served(30);
}

TEST_F(HostileClientTest, PipelinedRequestsAreAllAnsweredInOrder) {
  const std::string key = test_key("k");
  RawConnection connection(node().host(), node().http_port());
  connection.send("PUT " + key_path(key) +
                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\none" + "PUT " +
                  key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\ntwo" +
                  "GET " + key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + "DELETE " +
                  key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const RawResponse first = connection.read_response(false);
  const RawResponse second = connection.read_response(false);
  const RawResponse read = connection.read_response(false);
  const RawResponse removed = connection.read_response(false);
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(nlohmann::json::parse(first.body, nullptr, false).value("version", 0), 1);
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_EQ(nlohmann::json::parse(second.body, nullptr, false).value("version", 0), 2);
  EXPECT_EQ(read.status, 200) << read.error;
  EXPECT_EQ(read.body, "two");
  EXPECT_EQ(removed.status, 200) << removed.error;
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(HostileClientTest, ManyPipelinedPingsAreAnswered) {
  std::string burst;
  for (int i = 0; i < 200; ++i) burst += "GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  RawConnection connection(node().host(), node().http_port());
  connection.send(burst);
  for (int i = 0; i < 200; ++i) {
    const RawResponse ping = connection.read_response(false);
    ASSERT_EQ(ping.status, 200) << "answer " << i << ": " << ping.error;
  }
}

TEST_F(HostileClientTest, ADeclaredBodyOverTheLimitIsRefusedBeforeItIsSent) {
  RawConnection connection(node().host(), node().http_port());
  connection.send("PUT " + key_path(test_key("k")) +
                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2147483648\r\n\r\nabc");
  EXPECT_TRUE(IsRawError(connection.read_response(false), 413, "payload_too_large"));
  // The rest of the body is not read as requests: the connection ends after the refusal.
  EXPECT_TRUE(connection.closed_by_peer(5000));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(test_key("k")), test_key("k")));
}

TEST_F(HostileClientTest, ABatchOverTheRequestLimitSaysToSplitIt) {
  const RawResponse response = exchange(
      "POST /v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 104857600\r\n\r\n{");
  ASSERT_TRUE(IsRawError(response, 413, "payload_too_large"));
  EXPECT_NE(response.body.find("split the batch"), std::string::npos) << response.body;
}

TEST_F(HostileClientTest, MalformedContentLengthsAreRefusedAndNothingIsWritten) {
  const std::string key = test_key("k");
  for (const std::string length : {"abc", "0x10", "+5", "1 0", "-1", "9223372036854775808", "3, 5",
                                   "3\r\nContent-Length: 5"}) {
    const RawResponse response =
        exchange("PUT " + key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                 "Content-Length: " + length + "\r\n\r\nabcdefgh");
    EXPECT_TRUE(IsRawError(response, 400, "bad_request")) << "Content-Length: " << length;
  }
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
}

TEST_F(HostileClientTest, MalformedChunksAreRefusedAndValidExtensionsAccepted) {
  const std::string key = test_key("k");
  const std::string head = "PUT " + key_path(key) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                           "Transfer-Encoding: chunked\r\n\r\n";
  EXPECT_TRUE(IsRawError(exchange(head + "1\r\nabc\r\n0\r\n\r\n"), 400, "bad_request"));
  EXPECT_TRUE(
      IsRawError(exchange(head + "ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n"), 400, "bad_request"));
  EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
  EXPECT_EQ(exchange(head + "3;ext=1\r\nabc\r\n0\r\n\r\n").status, 200);
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "abc", 1));
}

TEST_F(HostileClientTest, RequestsThatAreNotHttp11AreRefusedWithTheErrorBody) {
  EXPECT_TRUE(IsRawError(exchange("FROB /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 400,
                         "bad_request"));
  EXPECT_TRUE(IsRawError(exchange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505, "bad_request"));
  EXPECT_TRUE(IsRawError(exchange("GET /v1/ping\r\n"), 400, "bad_request"));  // HTTP/0.9
  EXPECT_TRUE(IsRawError(exchange("GET /v1/ping HTTP/1.1\rHost: t\r\r"), 400, "bad_request"));
  EXPECT_TRUE(IsRawError(exchange("PUT /v1/keys/x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
                         501, "bad_request"));
  EXPECT_EQ(exchange("GET /v1/ping HTTP/1.1\nHost: 127.0.0.1\n\n").status,
            200);  // bare LF is tolerated
}

TEST_F(HostileClientTest, OddButValidHeadersDoNotBreakTheAnswer) {
  // A name this loopback node does not answer to, with a port that is not a number.
  EXPECT_TRUE(IsRawError(exchange("GET /v1/ping HTTP/1.1\r\nHost: a:b\r\n\r\n"), 403, "forbidden"));
  EXPECT_EQ(exchange("GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1:b\r\n\r\n").status, 200);
  const std::string key = test_key("k");
  EXPECT_EQ(
      exchange("PUT " + key_path(key) +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: foo\r\nContent-Length: 1\r\n\r\nv")
          .status,
      200);
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "v", 1));
}

TEST_F(HostileClientTest, HugeRequestLinesAndHeadersAreRefusedEarly) {
  EXPECT_TRUE(
      IsRawError(exchange("GET /v1/keys?prefix=" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n"),
                 414, "bad_request"));
  EXPECT_TRUE(IsRawError(
      exchange("GET /v1/ping HTTP/1.1\r\nX-Big: " + std::string(1 << 20, 'a') + "\r\n\r\n"), 431,
      "bad_request"));
}

TEST_F(HostileClientTest, ARequestThatNeverFinishesGetsA408) {
  RawConnection connection(node().host(), node().http_port());
  connection.send("GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  EXPECT_TRUE(IsRawError(connection.read_response(false), 408, "bad_request"));
  EXPECT_TRUE(connection.closed_by_peer(5000));
}

TEST_F(HostileClientTest, ConnectionCloseAndHttp10CloseTheConnection) {
  for (const std::string request :
       {"GET /v1/ping HTTP/1.1\r\nConnection: close\r\n\r\n", "GET /v1/ping HTTP/1.0\r\n\r\n"}) {
    RawConnection connection(node().host(), node().http_port());
    connection.send(request);
    EXPECT_EQ(connection.read_response(false).status, 200) << request;
    EXPECT_TRUE(connection.closed_by_peer(5000)) << request;
  }
  RawConnection kept(node().host(), node().http_port());
  kept.send("GET /v1/ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(kept.read_response(false).status, 200);
  EXPECT_FALSE(kept.closed_by_peer(300));
}

TEST_F(HostileClientTest, ExpectContinueIsAnswered) {
  const std::string key = test_key("k");
  RawConnection connection(node().host(), node().http_port());
  connection.send(
      "PUT " + key_path(key) +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  const RawResponse interim = connection.read_response(true);
  EXPECT_NE(interim.head.find("100 Continue"), std::string::npos) << interim.head;
  connection.send("abc");
  EXPECT_EQ(connection.read_response(false).status, 200);
  EXPECT_TRUE(IsValueReply(kv().get_key(key), "abc", 1));
}

// Run with few descriptors: idle keep-alive connections must make room for new clients.
TEST(DescriptorShortageTest, IdleConnectionsMakeRoomForNewClients) {
  rlimit original{};
  ::getrlimit(RLIMIT_NOFILE, &original);
  rlimit low = original;
  low.rlim_cur = 128;
  ::setrlimit(RLIMIT_NOFILE, &low);  // inherited by the node started now
  NodeProcess node;
  std::string error;
  const bool started = node.start(&error);
  ::setrlimit(RLIMIT_NOFILE, &original);
  ASSERT_TRUE(started) << error;

  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_to(node.http_port());
    if (fd >= 0) idle.push_back(fd);
  }
  std::this_thread::sleep_for(500ms);
  KvClient client(node.host(), node.http_port(), false);
  const Reply ping = client.get("/v1/ping");
  for (const int fd : idle) ::close(fd);
  EXPECT_EQ(ping.status, 200) << ping.describe();
  EXPECT_NE(node.stderr_text().find("out of file descriptors"), std::string::npos)
      << node.stderr_text();
  EXPECT_TRUE(node.stop().exited_with(0));
}

}  // namespace
}  // namespace kvtest
