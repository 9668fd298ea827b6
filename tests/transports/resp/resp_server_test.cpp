// The RESP transport in process: a real store runtime behind a server on a free port, driven by
// raw RESP over a socket, so that each test sees exactly the bytes a Redis client would.
// Command dispatch, pipelining, errors, limits, pub/sub and tokens.
#include "transports/resp/resp_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/store_runtime.hpp"
#include "auth/token_hash.hpp"
#include "metrics/node_metrics.hpp"

namespace kv::resp {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

// The length of the first complete reply in `bytes`, or nothing while it is incomplete.
std::optional<std::size_t> reply_length(std::string_view bytes, std::size_t at = 0) {
  const std::size_t line_end = bytes.find("\r\n", at);
  if (at >= bytes.size() || line_end == std::string_view::npos) return std::nullopt;
  const char type = bytes[at];
  const std::size_t header = line_end + 2 - at;
  if (type == '+' || type == '-' || type == ':') return header;
  const long long count = std::stoll(std::string(bytes.substr(at + 1, line_end - at - 1)));
  if (count < 0) return header;
  if (type == '$') {
    const std::size_t total = header + static_cast<std::size_t>(count) + 2;
    return bytes.size() - at >= total ? std::optional<std::size_t>(total) : std::nullopt;
  }
  std::size_t length = header;
  for (long long i = 0; i < count; ++i) {
    const auto element = reply_length(bytes, at + length);
    if (!element) return std::nullopt;
    length += *element;
  }
  return length;
}

// Appended piece by piece: g++ 12 warns (-Wrestrict) about "literal" + std::string wrongly.
std::string encode(const std::vector<std::string>& args) {
  std::string out = "*";
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& arg : args) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

class client {
 public:
  explicit client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot connect");
    }
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  int fd() const { return fd_; }

  void send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // One reply's raw bytes; "" when the server closed first or nothing came in time.
  std::string reply(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto length = reply_length(buffer_)) {
        std::string one = buffer_.substr(0, *length);
        buffer_.erase(0, *length);
        return one;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::string call(const std::vector<std::string>& args) {
    send_raw(encode(args));
    return reply();
  }

  // Whether the server closed the connection (after what was already read).
  bool closed_by_server() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  int fd_;
  std::string buffer_;
};

std::string bulk(const std::string& s) {
  return encode({s}).substr(4);  // "*1\r\n" then the bulk string
}

class RespServerTest : public ::testing::Test {
 protected:
  explicit RespServerTest(std::shared_ptr<auth::token_registry> tokens = nullptr)
      : runtime_({routing_table::from_split_points({"g", "n", "t"}), 2, 2, 5000ms, std::nullopt,
                  std::nullopt}),
        metrics_(4, "test") {
    resp_options options;
    options.port = 0;
    options.max_value_bytes = 4096;
    options.version = "test";
    options.tokens = std::move(tokens);
    server_.emplace(options, runtime_.api(), runtime_.feed(), metrics_);
    server_->start();
  }
  ~RespServerTest() override { server_->stop(); }

  std::uint16_t port() const { return server_->port(); }

  store_runtime runtime_;
  metrics::node_metrics metrics_;
  std::optional<resp_server> server_;
};

TEST_F(RespServerTest, ConnectionCommands) {
  client c(port());
  EXPECT_EQ(c.call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(c.call({"ping", "hi"}), bulk("hi"));
  EXPECT_EQ(c.call({"ECHO", "x y"}), bulk("x y"));
  EXPECT_EQ(c.call({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SELECT", "1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c.call({"CLIENT", "SETNAME", "tester"}), "+OK\r\n");
  EXPECT_EQ(c.call({"CLIENT", "GETNAME"}), bulk("tester"));
  EXPECT_EQ(c.call({"FLUSHALL"}),
            "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
  EXPECT_EQ(c.call({"foo", "a", "b"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(c.call({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c.call({"GET", "a", "b"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c.call({"AUTH", "x"}).substr(0, 21), "-ERR AUTH <password> ");
  EXPECT_EQ(c.call({"HELLO", "3"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c.call({"CONFIG", "GET", "save"}), "*2\r\n" + bulk("save") + bulk(""));
  EXPECT_EQ(c.call({"COMMAND", "COUNT"}).substr(0, 1), ":");
  const std::string info = c.call({"COMMAND", "INFO", "get"});
  const std::string info_start = "*1\r\n*10\r\n" + bulk("get") + ":2\r\n";
  EXPECT_EQ(info.substr(0, info_start.size()), info_start);
  EXPECT_EQ(c.call({"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(RespServerTest, StringsAndTypes) {
  client c(port());
  EXPECT_EQ(c.call({"GET", "apple"}), "$-1\r\n");
  EXPECT_EQ(c.call({"SET", "apple", "red\r\n\0"s}), "+OK\r\n");
  EXPECT_EQ(c.call({"GET", "apple"}), bulk("red\r\n\0"s));
  EXPECT_EQ(c.call({"SET", "apple", "green", "NX"}), "$-1\r\n");
  EXPECT_EQ(c.call({"SET", "pear", "p", "XX"}), "$-1\r\n");
  EXPECT_EQ(c.call({"SET", "apple", "green", "XX"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "pear", "p", "NX"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "pear", "p", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c.call({"SET", "pear", "p", "EX", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(c.call({"SET", "pear", "p", "EX", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c.call({"TYPE", "apple"}), "+string\r\n");
  EXPECT_EQ(c.call({"TYPE", "nothing"}), "+none\r\n");
  EXPECT_EQ(c.call({"SADD", "fruits", "a"}), ":1\r\n");
  EXPECT_EQ(c.call({"TYPE", "fruits"}), "+set\r\n");
  EXPECT_EQ(c.call({"GET", "fruits"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c.call({"MSET", "k1", "v1", "zz", "v2"}), "+OK\r\n");
  EXPECT_EQ(c.call({"MSET", "k1", "v1", "zz"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(c.call({"MGET", "k1", "nothing", "zz", "fruits"}),
            "*4\r\n" + bulk("v1") + "$-1\r\n" + bulk("v2") + "$-1\r\n");
  EXPECT_EQ(c.call({"EXISTS", "k1", "zz", "k1", "nothing"}), ":3\r\n");
  EXPECT_EQ(c.call({"DEL", "k1", "zz", "nothing"}), ":2\r\n");
  EXPECT_EQ(c.call({"EXISTS", "k1"}), ":0\r\n");
  EXPECT_EQ(c.call({"SET", "bad\x01key", "v"}).substr(0, 17), "-ERR invalid key:");
  EXPECT_EQ(c.call({"SET", "", "v"}).substr(0, 17), "-ERR invalid key:");
  EXPECT_EQ(c.call({"SET", "big", std::string(4096, 'x')}), "+OK\r\n");
  // Longer than any key or value may be: a protocol error that closes, as past Redis's
  // proto-max-bulk-len.
  EXPECT_EQ(c.call({"SET", "big", std::string(4097, 'x')}),
            "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(RespServerTest, Numbers) {
  client c(port());
  EXPECT_EQ(c.call({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(c.call({"INCRBY", "n", "41"}), ":42\r\n");
  EXPECT_EQ(c.call({"DECR", "n"}), ":41\r\n");
  EXPECT_EQ(c.call({"DECRBY", "n", "50"}), ":-9\r\n");
  EXPECT_EQ(c.call({"INCRBY", "n", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c.call({"SET", "s", "10"}), "+OK\r\n");
  EXPECT_EQ(c.call({"INCR", "s"}), ":11\r\n");
  EXPECT_EQ(c.call({"GET", "s"}), bulk("11"));
  EXPECT_EQ(c.call({"SET", "t", "ten"}), "+OK\r\n");
  EXPECT_EQ(c.call({"INCR", "t"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c.call({"INCRBYFLOAT", "t", "1"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(c.call({"INCRBYFLOAT", "f", "2.5"}), bulk("2.5"));
  EXPECT_EQ(c.call({"INCRBYFLOAT", "s", "0.5"}), bulk("11.5"));
  EXPECT_EQ(c.call({"INCRBYFLOAT", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(c.call({"SET", "max", "9223372036854775807"}), "+OK\r\n");
  EXPECT_EQ(c.call({"INCR", "max"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(c.call({"SADD", "set", "a"}), ":1\r\n");
  EXPECT_EQ(c.call({"INCR", "set"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

// An integer reply's value.
long long integer(const std::string& reply) {
  EXPECT_EQ(reply.substr(0, 1), ":") << reply;
  return reply.size() > 3 ? std::stoll(reply.substr(1, reply.size() - 3)) : -999;
}

TEST_F(RespServerTest, Expiry) {
  client c(port());
  EXPECT_EQ(c.call({"SET", "k", "v", "EX", "100"}), "+OK\r\n");
  // Seconds left, rounded: a slow machine may have spent one of them already.
  EXPECT_GE(integer(c.call({"TTL", "k"})), 99);
  EXPECT_LE(integer(c.call({"TTL", "k"})), 100);
  EXPECT_EQ(c.call({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(c.call({"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(c.call({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(c.call({"TTL", "nothing"}), ":-2\r\n");
  EXPECT_EQ(c.call({"EXPIRE", "k", "50"}), ":1\r\n");
  EXPECT_GE(integer(c.call({"TTL", "k"})), 49);
  EXPECT_GT(integer(c.call({"PTTL", "k"})), 40000);
  EXPECT_EQ(c.call({"EXPIRE", "nothing", "50"}), ":0\r\n");
  EXPECT_EQ(c.call({"SET", "k", "v2"}), "+OK\r\n");  // a write clears the expiry, as SET does
  EXPECT_EQ(c.call({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(c.call({"SET", "p", "v", "PX", "1500"}), "+OK\r\n");
  EXPECT_GT(integer(c.call({"PTTL", "p"})), 1500);  // whole seconds: 1.5 s is rounded up
  EXPECT_EQ(c.call({"EXPIRE", "k", "0"}), ":1\r\n");
  EXPECT_EQ(c.call({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(c.call({"SET", "short", "v", "EX", "1"}), "+OK\r\n");
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (c.call({"GET", "short"}) != "$-1\r\n" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(c.call({"GET", "short"}), "$-1\r\n");
}

TEST_F(RespServerTest, SetsAndHashes) {
  client c(port());
  EXPECT_EQ(c.call({"SADD", "s", "b", "a", "b"}), ":2\r\n");
  EXPECT_EQ(c.call({"SADD", "s", "a"}), ":0\r\n");
  EXPECT_EQ(c.call({"SMEMBERS", "s"}), "*2\r\n" + bulk("a") + bulk("b"));
  EXPECT_EQ(c.call({"SISMEMBER", "s", "a"}), ":1\r\n");
  EXPECT_EQ(c.call({"SISMEMBER", "s", "z"}), ":0\r\n");
  EXPECT_EQ(c.call({"SCARD", "s"}), ":2\r\n");
  EXPECT_EQ(c.call({"SREM", "s", "a", "z"}), ":1\r\n");
  EXPECT_EQ(c.call({"SREM", "nothing", "a"}), ":0\r\n");
  EXPECT_EQ(c.call({"EXISTS", "nothing"}), ":0\r\n");
  EXPECT_EQ(c.call({"SMEMBERS", "nothing"}), "*0\r\n");
  EXPECT_EQ(c.call({"SADD", "s", "\xff"}),
            "-ERR set members must be UTF-8 text in kvactor's typed values\r\n");
  EXPECT_EQ(c.call({"HSET", "h", "f", "1", "g", "2"}), ":2\r\n");
  EXPECT_EQ(c.call({"HSET", "h", "f", "3"}), ":0\r\n");
  EXPECT_EQ(c.call({"HGET", "h", "f"}), bulk("3"));
  EXPECT_EQ(c.call({"HGET", "h", "x"}), "$-1\r\n");
  EXPECT_EQ(c.call({"HEXISTS", "h", "g"}), ":1\r\n");
  EXPECT_EQ(c.call({"HLEN", "h"}), ":2\r\n");
  EXPECT_EQ(c.call({"HGETALL", "h"}), "*4\r\n" + bulk("f") + bulk("3") + bulk("g") + bulk("2"));
  EXPECT_EQ(c.call({"HDEL", "h", "f", "x"}), ":1\r\n");
  EXPECT_EQ(c.call({"HMSET", "h", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(c.call({"HSET", "h", "a"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(c.call({"HGET", "s", "f"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c.call({"SADD", "h", "m"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c.call({"TYPE", "h"}), "+hash\r\n");
}

// Replies come back in request order, however the store answers them: a pipeline of writes and
// reads of the same keys across partitions, sent in one piece.
TEST_F(RespServerTest, PipelinedRepliesInOrder) {
  client c(port());
  std::string pipeline;
  std::string expected;
  const std::vector<std::string> keys = {"apple", "house", "pear", "zebra"};
  for (int i = 0; i < 200; ++i) {
    const std::string& key = keys[static_cast<std::size_t>(i) % keys.size()];
    pipeline += encode({"SET", key, std::to_string(i)});
    pipeline += encode({"GET", key});
    pipeline += encode({"INCR", "counter-" + key});
    expected += "+OK\r\n" + bulk(std::to_string(i)) + ":" + std::to_string(i / 4 + 1) + "\r\n";
  }
  pipeline += encode({"KEYS", "*"});  // a barrier: after every write before it
  pipeline += encode({"DBSIZE"});
  pipeline += "PING\r\n";  // inline
  c.send_raw(pipeline);
  std::string got;
  for (int i = 0; i < 600; ++i) got += c.reply();
  EXPECT_EQ(got, expected);
  const std::string keys_reply = c.reply();
  EXPECT_EQ(keys_reply.substr(0, 4), "*8\r\n");
  EXPECT_EQ(c.reply(), ":8\r\n");
  EXPECT_EQ(c.reply(), "+PONG\r\n");
}

TEST_F(RespServerTest, MultiQueuesCommandsAndExecRunsThemInOrder) {
  client c(port());
  EXPECT_EQ(c.call({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(c.call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c.call({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(c.call({"SET", "t", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(c.call({"INCR", "t"}), "+QUEUED\r\n");
  EXPECT_EQ(c.call({"SADD", "t", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(c.call({"GET", "t"}), "+QUEUED\r\n");
  EXPECT_EQ(c.call({"EXEC"}),
            "*4\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding "
            "the wrong kind of value\r\n" +
                bulk("2"));
  EXPECT_EQ(c.call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "t", "3"}), "+QUEUED\r\n");
  EXPECT_EQ(c.call({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c.call({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(c.call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "t", "4"}), "+QUEUED\r\n");
  EXPECT_EQ(c.call({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(c.call({"GET", "t"}), bulk("2"));
}

TEST_F(RespServerTest, ScanWalksEveryPartition) {
  client c(port());
  std::set<std::string> written;
  std::string pipeline;
  for (char first = 'a'; first <= 'z'; ++first) {
    for (int i = 0; i < 3; ++i) {
      const std::string key = std::string(1, first) + "-key-" + std::to_string(i);
      written.insert(key);
      pipeline += encode({"SET", key, "v"});
    }
  }
  c.send_raw(pipeline);
  for (std::size_t i = 0; i < written.size(); ++i) ASSERT_EQ(c.reply(), "+OK\r\n");
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    const std::string page = c.call({"SCAN", cursor, "COUNT", "7"});
    ASSERT_EQ(page.substr(0, 5), "*2\r\n$") << page;
    // *2, $N, cursor, *M, then M bulks.
    std::size_t at = page.find("\r\n", 4) + 2;
    const std::size_t cursor_end = page.find("\r\n", at);
    cursor = page.substr(at, cursor_end - at);
    at = cursor_end + 2;
    at = page.find("\r\n", at) + 2;  // *M
    while (at < page.size()) {
      const std::size_t length_end = page.find("\r\n", at);
      const std::size_t length = std::stoul(page.substr(at + 1, length_end - at - 1));
      seen.insert(page.substr(length_end + 2, length));
      at = length_end + 2 + length + 2;
    }
    ++pages;
  } while (cursor != "0" && pages < 100);
  EXPECT_EQ(seen, written);
  EXPECT_GE(pages, 12);
  EXPECT_EQ(c.call({"SCAN", "0", "MATCH", "q-*", "COUNT", "100"}),
            "*2\r\n" + bulk("0") + "*3\r\n" + bulk("q-key-0") + bulk("q-key-1") + bulk("q-key-2"));
  const std::string of_type = "*2\r\n" + bulk("0") + "*26\r\n";
  EXPECT_EQ(c.call({"SCAN", "0", "MATCH", "*-key-2", "COUNT", "1000", "TYPE", "string"})
                .substr(0, of_type.size()),
            of_type);
  EXPECT_EQ(c.call({"KEYS", "[mn]-key-?"}).substr(0, 4), "*6\r\n");
  EXPECT_EQ(c.call({"SCAN", "12345"}).substr(0, 19), "-ERR invalid cursor");
  EXPECT_EQ(c.call({"DBSIZE"}), ":78\r\n");
  const std::string info = c.call({"INFO", "keyspace"});
  EXPECT_NE(info.find("db0:keys=78"), std::string::npos) << info;
}

TEST_F(RespServerTest, MalformedFramesCloseTheConnection) {
  {
    client c(port());
    c.send_raw("*1\r\n$-5\r\n");
    EXPECT_EQ(c.reply(), "-ERR Protocol error: invalid bulk length\r\n");
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    client c(port());
    c.send_raw("*1\r\n$5000\r\n");  // over max_value_bytes (4096)
    EXPECT_EQ(c.reply(), "-ERR Protocol error: invalid bulk length\r\n");
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    client c(port());
    c.send_raw(encode({"PING"}) + "*2\r\n:1\r\n");
    EXPECT_EQ(c.reply(), "+PONG\r\n");
    EXPECT_EQ(c.reply(), "-ERR Protocol error: expected '$', got ':'\r\n");
    EXPECT_TRUE(c.closed_by_server());
  }
  // An unknown command or a wrong arity keeps the connection, as in Redis.
  client c(port());
  EXPECT_EQ(c.call({"NOPE"}).substr(0, 21), "-ERR unknown command ");
  EXPECT_EQ(c.call({"PING"}), "+PONG\r\n");
}

// A client that pipelines without reading stops being read: its sends block, and the node's
// memory for it stays bounded, while other clients are served.
TEST_F(RespServerTest, ClientThatNeverReadsIsNotReadEither) {
  client writer(port());
  ASSERT_EQ(writer.call({"SET", "value", std::string(1000, 'v')}), "+OK\r\n");
  const std::string get = encode({"GET", "value"});
  std::string pipeline;
  while (pipeline.size() < (10 << 20)) pipeline += get;
  std::size_t sent = 0;
  auto stalled_since = std::chrono::steady_clock::now();
  while (sent < pipeline.size() && std::chrono::steady_clock::now() - stalled_since < 1000ms) {
    const ssize_t n = ::send(writer.fd(), pipeline.data() + sent, pipeline.size() - sent,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      stalled_since = std::chrono::steady_clock::now();
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  // 10 MiB of GETs would be 10 GB of replies; the kernel's buffers hold a few MB.
  EXPECT_LT(sent, pipeline.size());
  client other(port());
  EXPECT_EQ(other.call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(other.call({"GET", "value"}).size(), 1000u + 9);
}

TEST_F(RespServerTest, SubscribersReceiveChanges) {
  client subscriber(port());
  EXPECT_EQ(subscriber.call({"SUBSCRIBE", "user:"}),
            "*3\r\n" + bulk("subscribe") + bulk("user:") + ":1\r\n");
  EXPECT_EQ(subscriber.call({"PSUBSCRIBE", "user:*:name"}),
            "*3\r\n" + bulk("psubscribe") + bulk("user:*:name") + ":2\r\n");
  EXPECT_EQ(subscriber.call({"GET", "x"}).substr(0, 24), "-ERR Can't execute 'get'");
  EXPECT_EQ(subscriber.call({"PING"}), "*2\r\n" + bulk("pong") + bulk(""));
  // The watches start asynchronously; writes from now on are seen.
  std::this_thread::sleep_for(200ms);
  client writer(port());
  EXPECT_EQ(writer.call({"SET", "user:1:name", "ann"}), "+OK\r\n");
  EXPECT_EQ(writer.call({"SET", "other", "x"}), "+OK\r\n");
  EXPECT_EQ(writer.call({"DEL", "user:1:name"}), ":1\r\n");
  std::vector<std::string> messages;
  for (int i = 0; i < 4; ++i) messages.push_back(subscriber.reply());
  std::sort(messages.begin(), messages.end());
  // Each change once per matching subscription: two for the put, two for the delete.
  int message_count = 0;
  int pmessage_count = 0;
  for (const auto& m : messages) {
    if (m.find(bulk("message") + bulk("user:")) != std::string::npos) ++message_count;
    if (m.find(bulk("pmessage") + bulk("user:*:name") + bulk("user:1:name")) != std::string::npos) {
      ++pmessage_count;
    }
    EXPECT_NE(m.find("\"key\":\"user:1:name\""), std::string::npos) << m;
  }
  EXPECT_EQ(message_count, 2);
  EXPECT_EQ(pmessage_count, 2);
  EXPECT_EQ(subscriber.call({"UNSUBSCRIBE"}),
            "*3\r\n" + bulk("unsubscribe") + bulk("user:") + ":1\r\n");
  EXPECT_EQ(subscriber.call({"PUNSUBSCRIBE"}),
            "*3\r\n" + bulk("punsubscribe") + bulk("user:*:name") + ":0\r\n");
  EXPECT_EQ(subscriber.call({"GET", "other"}), bulk("x"));
}

// A subscriber that does not read its messages is cut, and counted, rather than held in memory:
// the writes go on at full speed meanwhile.
TEST_F(RespServerTest, SubscriberThatDoesNotReadIsCut) {
  client subscriber(port());
  EXPECT_EQ(subscriber.call({"SUBSCRIBE", ""}).substr(0, 4), "*3\r\n");
  std::this_thread::sleep_for(200ms);  // the watch starts asynchronously
  client writer(port());
  const auto counters = runtime_.feed().counters();
  const std::string value(2000, 'v');
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  int written = 0;
  while (counters->resp_dropped.load() == 0 && std::chrono::steady_clock::now() < give_up) {
    std::string pipeline;
    for (int i = 0; i < 100; ++i) pipeline += encode({"SET", std::to_string(i), value});
    writer.send_raw(pipeline);
    for (int i = 0; i < 100; ++i) ASSERT_EQ(writer.reply(), "+OK\r\n");
    written += 100;
  }
  EXPECT_EQ(counters->resp_dropped.load(), 1u) << written << " writes";
  // The subscriber's connection is gone; what reached its socket before may still be read.
  char chunk[65536];
  ssize_t n = 0;
  while ((n = ::recv(subscriber.fd(), chunk, sizeof chunk, 0)) > 0) {
  }
  EXPECT_LE(n, 0);
  EXPECT_EQ(writer.call({"PING"}), "+PONG\r\n");
}

std::shared_ptr<auth::token_registry> test_tokens() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("kv_resp_tokens_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[[token]]\nname = \"app\"\nsha256 = \""
                      << auth::hex_of(auth::sha256_of("tok-app"))
                      << "\"\nrules = [{prefix = \"app/\", access = \"write\"}, "
                         "{prefix = \"pub/\", access = \"read\"}]\n";
  auto registry = std::make_shared<auth::token_registry>(path.string());
  std::filesystem::remove(path);
  return registry;
}

class RespAuthTest : public RespServerTest {
 protected:
  RespAuthTest() : RespServerTest(test_tokens()) {}
};

TEST_F(RespAuthTest, CommandsNeedATokenAndKeepToItsPrefixes) {
  client c(port());
  EXPECT_EQ(c.call({"GET", "app/1"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(c.call({"AUTH", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c.call({"AUTH", "someone", "tok-app"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c.call({"AUTH", "app", "tok-app"}), "+OK\r\n");
  EXPECT_EQ(c.call({"AUTH", "tok-app"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "app/1", "v"}), "+OK\r\n");
  EXPECT_EQ(c.call({"SET", "pub/1", "v"}), "-NOPERM token 'app' may not write key 'pub/1'\r\n");
  EXPECT_EQ(c.call({"GET", "secret"}), "-NOPERM token 'app' may not read key 'secret'\r\n");
  EXPECT_EQ(c.call({"MGET", "app/1", "secret"}),
            "-NOPERM token 'app' may not read key 'secret'\r\n");
  EXPECT_EQ(c.call({"DBSIZE"}).substr(0, 8), "-NOPERM ");
  EXPECT_EQ(c.call({"KEYS", "*"}), "*1\r\n" + bulk("app/1"));
  client open(port());
  EXPECT_EQ(open.call({"PING"}), "+PONG\r\n");  // PING, AUTH, HELLO and QUIT need no token
  EXPECT_EQ(open.call({"TYPE", "app/1"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(open.call({"HELLO", "2", "AUTH", "default", "tok-app"}).substr(0, 5), "*14\r\n");
  EXPECT_EQ(open.call({"GET", "app/1"}), bulk("v"));
}

std::string tokens_text(const std::string& app_rules, bool with_app = true) {
  std::string text = "[[token]]\nname = \"admin\"\nsha256 = \"" +
                     auth::hex_of(auth::sha256_of("tok-admin")) +
                     "\"\nrules = [{prefix = \"\", access = \"write\"}]\n";
  if (with_app) {
    text += "[[token]]\nname = \"app\"\nsha256 = \"" + auth::hex_of(auth::sha256_of("tok-app")) +
            "\"\nrules = [" + app_rules + "]\n";
  }
  return text;
}

// A tokens file kept on disk, so that reload() re-reads it as SIGHUP makes the node do.
struct TokensOnDisk {
  TokensOnDisk() {
    std::ofstream(path) << tokens_text(
        "{prefix = \"app/\", access = \"read\"}, "
        "{prefix = \"pub/\", access = \"read\"}");
    registry = std::make_shared<auth::token_registry>(path.string());
  }
  ~TokensOnDisk() { std::filesystem::remove(path); }

  void rewrite(const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    ASSERT_EQ(registry->reload(), std::nullopt);
  }

  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("kv_resp_reload_" + std::to_string(::getpid()) + ".toml");
  std::shared_ptr<auth::token_registry> registry;
};

class RespReloadTest : protected TokensOnDisk, public RespServerTest {
 protected:
  RespReloadTest() : RespServerTest(registry) {}
};

// Writes `key` until the subscriber has a message: its watch starts asynchronously.
std::string first_message(client& writer, client& subscriber, const std::string& key) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    EXPECT_EQ(writer.call({"SET", key, "v"}), "+OK\r\n");
    if (auto message = subscriber.reply(100ms); !message.empty()) return message;
  }
  return "";
}

// A subscription follows the tokens file: narrowed rules apply to the next change, and a
// token taken out of the file ends the connection.
TEST_F(RespReloadTest, ASubscriptionFollowsAReloadThatNarrowsOrRemovesItsToken) {
  client subscriber(port());
  client writer(port());
  ASSERT_EQ(subscriber.call({"AUTH", "tok-app"}), "+OK\r\n");
  ASSERT_EQ(writer.call({"AUTH", "tok-admin"}), "+OK\r\n");
  ASSERT_EQ(subscriber.call({"PSUBSCRIBE", "*"}).substr(0, 4), "*3\r\n");
  EXPECT_NE(first_message(writer, subscriber, "pub/1").find(bulk("pub/1")), std::string::npos);
  while (!subscriber.reply(200ms).empty()) {
  }

  rewrite(tokens_text("{prefix = \"app/\", access = \"read\"}"));
  ASSERT_EQ(writer.call({"SET", "pub/2", "v"}), "+OK\r\n");
  ASSERT_EQ(writer.call({"SET", "app/2", "v"}), "+OK\r\n");
  const std::string next = subscriber.reply();
  EXPECT_NE(next.find(bulk("app/2")), std::string::npos) << next;  // pub/2 is no longer readable

  rewrite(tokens_text("", false));
  ASSERT_EQ(writer.call({"SET", "app/3", "v"}), "+OK\r\n");
  EXPECT_TRUE(subscriber.closed_by_server());
}

}  // namespace
}  // namespace kv::resp
