// The change feed of a running kvnode (contract section 3) through real clients: ZeroMQ SUB
// sockets and raw-socket readers of GET /v1/watch. Exact events per prefix under concurrent
// writers, resumption with Last-Event-ID and since_rev, reset, stalled watchers cut with memory
// kept bounded, a stalled ZeroMQ subscriber that costs the others nothing, and watch streams
// that end when the node stops.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"
#include "tests/support/node_metrics.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// ---- clients -----------------------------------------------------------------------------------

// A TCP connection to the node that sends GET /v1/watch... and, unless told to stall, reads the
// answer. `receive_buffer` > 0 shrinks the socket's receive buffer, so a stalled client's
// kernel buffers fill sooner.
class WatchConnection {
 public:
  WatchConnection(std::uint16_t port, const std::string& target,
                  const std::vector<std::string>& headers = {}, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      close();
      return;
    }
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& header : headers) request += header + "\r\n";
    request += "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      close();
    }
  }
  ~WatchConnection() { close(); }
  WatchConnection(const WatchConnection&) = delete;
  WatchConnection& operator=(const WatchConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Appends what arrives within `timeout` to `out`. False at EOF or on an error (the server
  // closed the connection).
  bool read_some(std::string& out, std::chrono::milliseconds timeout) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) return true;
    char buffer[64 << 10];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    out.append(buffer, static_cast<std::size_t>(got));
    return true;
  }

  // Reads and discards until the server closes the connection; false if it has not within
  // `timeout`.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    std::string ignored;
    while (clock_type::now() < deadline) {
      ignored.clear();
      if (!read_some(ignored, 100ms)) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
};

// One server-sent event; `id` and `event` are empty when the message had none.
struct SseMessage {
  std::string event;
  std::string id;
  std::string data;
};

// Reads a watch stream incrementally: the response head, then chunked transfer encoding, then
// SSE messages separated by blank lines. Comment lines (heartbeats) are skipped.
class SseReader {
 public:
  SseReader(std::uint16_t port, const std::string& target,
            const std::vector<std::string>& headers = {})
      : connection_(port, target, headers) {}

  // Waits (bounded) for the head; false unless it is 200 text/event-stream, chunked.
  ::testing::AssertionResult open() {
    const auto deadline = clock_type::now() + 5s;
    std::size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (clock_type::now() > deadline || !connection_.read_some(raw_, 100ms)) {
        return ::testing::AssertionFailure() << "no response head; got: " << raw_;
      }
    }
    head_ = raw_.substr(0, end);
    raw_.erase(0, end + 4);
    if (head_.rfind("HTTP/1.1 200", 0) != 0 ||
        head_.find("Content-Type: text/event-stream") == std::string::npos ||
        head_.find("Transfer-Encoding: chunked") == std::string::npos) {
      return ::testing::AssertionFailure() << "unexpected head:\n" << head_;
    }
    return ::testing::AssertionSuccess();
  }

  // The next message, or nothing if none arrives within `timeout`. Once the stream has ended
  // it behaves as a quiet one, so that a polling loop does not spin.
  std::optional<SseMessage> next(std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      if (auto message = take_message()) return message;
      if (clock_type::now() >= deadline) return std::nullopt;
      if (ended_) {
        std::this_thread::sleep_until(deadline);
      } else if (!connection_.read_some(raw_, 20ms)) {
        ended_ = true;
      }
      decode_chunks();
    }
  }

  // True once the last chunk arrived or the connection closed.
  bool ended() const { return ended_; }
  bool finished_cleanly() const { return last_chunk_; }
  void disconnect() { connection_.close(); }

 private:
  void decode_chunks() {
    for (;;) {
      const std::size_t line_end = raw_.find("\r\n");
      if (line_end == std::string::npos) return;
      const std::size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
      if (raw_.size() < line_end + 2 + size + 2) return;
      if (size == 0) {
        ended_ = last_chunk_ = true;
        return;
      }
      body_.append(raw_, line_end + 2, size);
      raw_.erase(0, line_end + 2 + size + 2);
    }
  }

  std::optional<SseMessage> take_message() {
    for (;;) {
      const std::size_t end = body_.find("\n\n");
      if (end == std::string::npos) return std::nullopt;
      const std::string block = body_.substr(0, end);
      body_.erase(0, end + 2);
      SseMessage message;
      bool has_fields = false;
      std::size_t start = 0;
      while (start <= block.size()) {
        std::size_t stop = block.find('\n', start);
        if (stop == std::string::npos) stop = block.size();
        const std::string line = block.substr(start, stop - start);
        start = stop + 1;
        if (line.empty() || line[0] == ':') continue;
        const std::size_t colon = line.find(": ");
        const std::string field = line.substr(0, colon);
        const std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
        has_fields = true;
        if (field == "id") message.id = value;
        if (field == "event") message.event = value;
        if (field == "data") message.data = value;
      }
      if (has_fields) return message;
    }
  }

  WatchConnection connection_;
  std::string raw_;
  std::string head_;
  std::string body_;
  bool ended_ = false;
  bool last_chunk_ = false;
};

// A ZeroMQ SUB socket on the node's feed.
class FeedSubscriber {
 public:
  FeedSubscriber(zmq::context_t& context, std::uint16_t port, const std::string& prefix,
                 int receive_hwm = 1000)
      : socket_(context, zmq::socket_type::sub) {
    socket_.set(zmq::sockopt::rcvhwm, receive_hwm);
    socket_.set(zmq::sockopt::subscribe, prefix);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect("tcp://127.0.0.1:" + std::to_string(port));
  }

  // [key, event JSON], or nothing within `timeout`.
  std::optional<std::pair<std::string, std::string>> next(std::chrono::milliseconds timeout) {
    socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames))) return std::nullopt;
    EXPECT_EQ(frames.size(), 2u);
    if (frames.size() != 2) return std::nullopt;
    return std::make_pair(frames[0].to_string(), frames[1].to_string());
  }

  // The slow joiner: a subscription takes effect some time after connect, so writes
  // `probe_key` (which the subscription matches) until one of its events arrives, bounded.
  ::testing::AssertionResult join(KvClient& kv, const std::string& probe_key) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (kv.put_key(probe_key, "probe").status != 200) break;
      if (next(100ms)) {
        while (next(50ms)) {
        }
        return ::testing::AssertionSuccess();
      }
    }
    return ::testing::AssertionFailure() << "no probe event arrived on the ZeroMQ feed";
  }

 private:
  zmq::socket_t socket_;
};

// ---- events ------------------------------------------------------------------------------------

struct Event {
  std::string op;
  std::string key;
  std::uint64_t version = 0;
  std::uint64_t partition = 0;
  std::uint64_t seq = 0;
  std::uint64_t rev = 0;

  static Event parse(const std::string& json_text) {
    const auto json = nlohmann::json::parse(json_text);
    return {json.at("op"),        json.at("key"), json.at("version"),
            json.at("partition"), json.at("seq"), json.at("rev")};
  }
};

using Change = std::tuple<std::string, std::string, std::uint64_t>;  // op, key, version

std::multiset<Change> changes_of(const std::vector<Event>& events, const std::string& skip_key) {
  std::multiset<Change> changes;
  for (const auto& event : events) {
    if (event.key != skip_key) changes.emplace(event.op, event.key, event.version);
  }
  return changes;
}

// Each partition's seq grows by one from event to event (`contiguous`), or at least grows.
::testing::AssertionResult SeqsInOrder(const std::vector<Event>& events, bool contiguous) {
  std::map<std::uint64_t, std::uint64_t> last;
  for (const auto& event : events) {
    const auto found = last.find(event.partition);
    if (found != last.end()) {
      const bool ok = contiguous ? event.seq == found->second + 1 : event.seq > found->second;
      if (!ok) {
        return ::testing::AssertionFailure()
               << "partition " << event.partition << ": seq " << event.seq << " after "
               << found->second << " (rev " << event.rev << ")";
      }
    }
    last[event.partition] = event.seq;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RevsAre(const std::vector<Event>& events, std::uint64_t first,
                                   std::uint64_t last) {
  if (events.size() != last - first + 1) {
    return ::testing::AssertionFailure()
           << events.size() << " events, expected revs " << first << ".." << last;
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].rev != first + i) {
      return ::testing::AssertionFailure()
             << "event " << i << " has rev " << events[i].rev << ", expected " << first + i;
    }
  }
  return ::testing::AssertionSuccess();
}

// Collects events on a thread of its own until stop(), so that the node's queues never fill.
class Collector {
 public:
  template <class Next>
  explicit Collector(Next next)
      : thread_([this, next]() mutable {
          while (!stop_) {
            if (auto json = next()) {
              std::lock_guard lock(mutex_);
              events_.push_back(Event::parse(*json));
            }
          }
        }) {}
  ~Collector() { stop(); }

  std::size_t count_without(const std::string& key) {
    std::lock_guard lock(mutex_);
    return std::count_if(events_.begin(), events_.end(),
                         [&](const Event& event) { return event.key != key; });
  }
  std::vector<Event> stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<Event> events_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---- metrics -----------------------------------------------------------------------------------

const std::string sse_subscribers = R"(kv_feed_subscribers{transport="sse"})";
const std::string sse_dropped = R"(kv_feed_dropped_total{transport="sse"})";
const std::string zmq_dropped = R"(kv_feed_dropped_total{transport="zmq"})";

// ---- fixtures ----------------------------------------------------------------------------------

// A fresh node per test, started with `config_text` as its config file.
class FeedTest : public FreshNodeTest {
 protected:
  virtual std::string config_text() { return ""; }
  std::vector<std::string> node_args() override {
    return {"--config", dir_.write_file("kvnode.toml", config_text())};
  }

  TempDir dir_;
  zmq::context_t zmq_;
};

// ---- tests -------------------------------------------------------------------------------------

// Split points that spread the "feed/" keys over four partitions; everything else is in a fifth.
class FeedPrefixTest : public FeedTest {
 protected:
  std::string config_text() override {
    return "[partitions]\nsplit_points = [\"feed/d\", \"feed/g\", \"feed/k\", \"other\"]\n";
  }
};

TEST_F(FeedPrefixTest, EachSubscriberGetsExactlyItsPrefixInSeqOrderUnderEightWriters) {
  const std::string probe = "feed/probe";
  FeedSubscriber zmq_prefix(zmq_, node().feed_port(), "feed/");
  FeedSubscriber zmq_all(zmq_, node().feed_port(), "");
  ASSERT_TRUE(zmq_prefix.join(kv(), probe));
  ASSERT_TRUE(zmq_all.join(kv(), probe));
  // since_rev=0 replays from the first event, so nothing is missed while the watch registers.
  SseReader sse_prefix(node().http_port(), "/v1/watch?prefix=feed%2F&since_rev=0");
  SseReader sse_all(node().http_port(), "/v1/watch?since_rev=0");
  ASSERT_TRUE(sse_prefix.open());
  ASSERT_TRUE(sse_all.open());

  auto zmq_reader = [](FeedSubscriber& sub) {
    return [&sub]() -> std::optional<std::string> {
      auto message = sub.next(50ms);
      if (!message) return std::nullopt;
      EXPECT_EQ(message->first, Event::parse(message->second).key) << "frame 1 is the key";
      return message->second;
    };
  };
  auto sse_reader = [](SseReader& reader) {
    return [&reader]() -> std::optional<std::string> {
      auto message = reader.next(50ms);
      if (!message) return std::nullopt;
      EXPECT_EQ(message->id, std::to_string(Event::parse(message->data).rev)) << "id is the rev";
      return message->data;
    };
  };
  Collector from_zmq_prefix(zmq_reader(zmq_prefix));
  Collector from_zmq_all(zmq_reader(zmq_all));
  Collector from_sse_prefix(sse_reader(sse_prefix));
  Collector from_sse_all(sse_reader(sse_all));

  // Each writer: puts under "feed/" in four partitions and outside it, overwrites, deletes,
  // and writes that must make no event (a missing key's delete, a CAS conflict).
  constexpr int writers = 8;
  constexpr int rounds = 40;
  std::vector<std::multiset<Change>> written(writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      KvClient client = new_client();
      auto& mine = written[w];
      for (int i = 0; i < rounds; ++i) {
        const std::string key = std::string("feed/") + "adgk"[i % 4] + "/w" + std::to_string(w) +
                                "/" + std::to_string(i);
        ASSERT_EQ(client.put_key(key, "v1").status, 200);
        mine.emplace("put", key, 1);
        ASSERT_EQ(client.put_key("zz/w" + std::to_string(w) + "/" + std::to_string(i), "x").status,
                  200);
        if (i % 3 == 0) {
          ASSERT_EQ(client.put_key(key, "v2", 1).status, 200);
          mine.emplace("put", key, 2);
        }
        if (i % 4 == 0) {
          ASSERT_EQ(client.put_key(key, "no", 99).status, 409);
        }
        if (i % 5 == 0) {
          ASSERT_TRUE(IsJsonReply(client.delete_key(key), 200, {{"key", key}, {"deleted", true}}));
          mine.emplace("delete", key, i % 3 == 0 ? 2 : 1);
        }
        if (i % 7 == 0) {
          ASSERT_TRUE(IsJsonReply(client.delete_key(key + "/missing"), 200,
                                  {{"key", key + "/missing"}, {"deleted", false}}));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::multiset<Change> expected;
  for (const auto& mine : written) expected.insert(mine.begin(), mine.end());
  const std::size_t others = writers * rounds;  // the "zz/" puts

  const auto deadline = clock_type::now() + 20s;
  while (clock_type::now() < deadline &&
         (from_zmq_prefix.count_without(probe) < expected.size() ||
          from_sse_prefix.count_without(probe) < expected.size() ||
          from_zmq_all.count_without(probe) < expected.size() + others ||
          from_sse_all.count_without(probe) < expected.size() + others)) {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(200ms);  // room for any event that should not come
  const auto zmq_prefix_events = from_zmq_prefix.stop();
  const auto zmq_all_events = from_zmq_all.stop();
  const auto sse_prefix_events = from_sse_prefix.stop();
  const auto sse_all_events = from_sse_all.stop();
  ASSERT_EQ(metric(kv(), zmq_dropped), 0) << "a reader fell behind; the checks below would fail";

  EXPECT_EQ(changes_of(zmq_prefix_events, probe), expected);
  EXPECT_EQ(changes_of(sse_prefix_events, probe), expected);
  EXPECT_TRUE(SeqsInOrder(zmq_prefix_events, false));
  EXPECT_TRUE(SeqsInOrder(sse_prefix_events, false));
  EXPECT_TRUE(SeqsInOrder(zmq_all_events, true));
  EXPECT_TRUE(SeqsInOrder(sse_all_events, true));
  ASSERT_FALSE(sse_all_events.empty());
  const std::uint64_t last_rev = sse_all_events.back().rev;
  EXPECT_TRUE(RevsAre(sse_all_events, 1, last_rev)) << "every event from the first";
  ASSERT_FALSE(zmq_all_events.empty());
  EXPECT_TRUE(RevsAre(zmq_all_events, zmq_all_events.front().rev, last_rev))
      << "every event from the join on";
  std::set<std::uint64_t> partitions;
  for (const auto& event : sse_prefix_events) partitions.insert(event.partition);
  EXPECT_EQ(partitions, (std::set<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(metric(kv(), "kv_feed_events_total"), last_rev) << "each event counted once";
}

TEST_F(FeedTest, ADeleteOfAMissingKeyMakesNoEvent) {
  SseReader watch(node().http_port(), "/v1/watch?since_rev=0");
  ASSERT_TRUE(watch.open());
  ASSERT_EQ(kv().put_key("a", "1").status, 200);
  ASSERT_TRUE(IsJsonReply(kv().delete_key("never"), 200, {{"key", "never"}, {"deleted", false}}));
  ASSERT_EQ(kv().put_key("b", "2").status, 200);
  const auto first = watch.next(5s);
  const auto second = watch.next(5s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(Event::parse(first->data).key, "a");
  EXPECT_EQ(Event::parse(second->data).key, "b");
  EXPECT_EQ(second->id, "2");
  EXPECT_EQ(metric(kv(), "kv_feed_events_total"), 2);
}

TEST_F(FeedTest, AClientThatReconnectsWithLastEventIdGetsEverythingInBetweenExactlyOnce) {
  constexpr int total = 400;
  std::atomic<int> done{0};
  std::thread writer([&] {
    KvClient client = new_client();
    for (int i = 0; i < total; ++i) {
      ASSERT_EQ(client.put_key(numbered("resume/", i), "v").status, 200);
      ++done;
    }
  });
  std::vector<Event> received;
  {
    SseReader first(node().http_port(), "/v1/watch?prefix=resume%2F&since_rev=0");
    ASSERT_TRUE(first.open());
    while (received.size() < 100) {
      const auto message = first.next(10s);
      ASSERT_TRUE(message) << "stream stalled after " << received.size() << " events";
      received.push_back(Event::parse(message->data));
    }
    first.disconnect();  // mid-stream, while the writer goes on
  }
  while (done < 250) std::this_thread::sleep_for(5ms);
  const std::uint64_t last_seen = received.back().rev;
  SseReader second(node().http_port(), "/v1/watch?prefix=resume%2F",
                   {"Last-Event-ID: " + std::to_string(last_seen)});
  ASSERT_TRUE(second.open());
  while (received.size() < total) {
    const auto message = second.next(10s);
    ASSERT_TRUE(message) << "stream stalled after " << received.size() << " events";
    ASSERT_NE(message->event, "reset");
    received.push_back(Event::parse(message->data));
  }
  writer.join();
  EXPECT_FALSE(second.next(200ms)) << "an event beyond the writes";
  EXPECT_TRUE(RevsAre(received, 1, total));
  for (int i = 0; i < total; ++i) {
    EXPECT_EQ(received[i].key, numbered("resume/", i));
  }
}

// A new stream starts with the rev it follows, so a client that loses it before any event
// arrives still knows where to resume.
TEST_F(FeedTest, AClientThatDropsBeforeItsFirstEventResumesFromTheStreamsStart) {
  KvClient client = new_client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.put_key(numbered("before/", i), "v").status, 200);
  std::string start;
  {
    SseReader first(node().http_port(), "/v1/watch?prefix=gap%2F");
    ASSERT_TRUE(first.open());
    const auto position = first.next(10s);
    ASSERT_TRUE(position);
    EXPECT_EQ(position->data, "");
    EXPECT_EQ(position->id, "3");
    start = position->id;
    first.disconnect();
  }
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client.put_key(numbered("gap/", i), "v").status, 200);
  SseReader second(node().http_port(), "/v1/watch?prefix=gap%2F", {"Last-Event-ID: " + start});
  ASSERT_TRUE(second.open());
  std::vector<Event> received;
  while (received.size() < 5) {
    const auto message = second.next(10s);
    ASSERT_TRUE(message) << "stream stalled after " << received.size() << " events";
    received.push_back(Event::parse(message->data));
  }
  EXPECT_FALSE(second.next(200ms)) << "an event beyond the writes";
  EXPECT_TRUE(RevsAre(received, 4, 8));
}

class SmallHistoryFeedTest : public FeedTest {
 protected:
  std::string config_text() override { return "[feed]\nhistory_events = 10\n"; }
};

TEST_F(SmallHistoryFeedTest, AResumeFromBeforeTheHistoryStartsWithAReset) {
  for (int i = 1; i <= 30; ++i) ASSERT_EQ(kv().put_key(numbered("k", i), "v").status, 200);
  ASSERT_TRUE(MetricReaches(kv(), "kv_feed_events_total", 30));

  SseReader too_old(node().http_port(), "/v1/watch?since_rev=5");
  ASSERT_TRUE(too_old.open());
  const auto reset = too_old.next(5s);
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->event, "reset");
  EXPECT_EQ(reset->id, "30") << "the stream carries on after the newest rev";
  EXPECT_EQ(nlohmann::json::parse(reset->data), (nlohmann::json{{"rev", 30}, {"oldest_rev", 21}}));

  SseReader retained(node().http_port(), "/v1/watch", {"Last-Event-ID: 25"});
  ASSERT_TRUE(retained.open());
  ASSERT_EQ(kv().put_key("live", "v").status, 200);
  for (int rev = 26; rev <= 31; ++rev) {
    const auto message = retained.next(5s);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->event, "");
    EXPECT_EQ(message->id, std::to_string(rev));
  }
  const auto live = too_old.next(5s);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->id, "31");
}

// Writes `count` values of `value_bytes` over `threads` connections, cycling over a few keys so
// the store stays small. Every write must succeed: writers never wait for watchers.
void write_burst(NodeProcess& node, int threads, int count, std::size_t value_bytes) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&node, t, threads, count, value_bytes] {
      KvClient client(node.host(), node.http_port());
      const std::string value(value_bytes, static_cast<char>('a' + t));
      for (int i = t; i < count; i += threads) {
        ASSERT_EQ(client.put_key(numbered("burst/", i % 8), value).status, 200);
      }
    });
  }
  for (auto& worker : workers) worker.join();
}

TEST_F(FeedTest, AStalledWatchIsClosedWhileWritersGoOn) {
  WatchConnection stalled(node().http_port(), "/v1/watch", {}, 4096);
  ASSERT_TRUE(MetricReaches(kv(), sse_subscribers, 1));

  // About 27 MB of events: far more than the watcher's queue and both kernel buffers hold.
  write_burst(node(), 4, 320, 64 << 10);

  EXPECT_TRUE(MetricReaches(kv(), sse_dropped, 1));
  EXPECT_TRUE(MetricReaches(kv(), sse_subscribers, 0));
  EXPECT_TRUE(stalled.closed_by_server(10s)) << "the stalled client's connection stays open";
  // Every write went through: burst/0 took 40 of the 320.
  EXPECT_TRUE(IsValueReply(kv().get_key("burst/0"), std::string(64 << 10, 'a'), 40));
}

// One partition, so that seq numbers every event; a small ZeroMQ queue per subscriber.
class SmallZmqQueueFeedTest : public FeedTest {
 protected:
  std::string config_text() override {
    return "[feed]\nzmq_high_water_mark = 100\n[partitions]\ncount = 1\n";
  }
};

TEST_F(SmallZmqQueueFeedTest, ASubscriberThatNeverReadsCostsTheOthersNoEvent) {
  FeedSubscriber stalled(zmq_, node().feed_port(), "", 100);
  FeedSubscriber reader(zmq_, node().feed_port(), "");
  ASSERT_TRUE(stalled.join(kv(), "probe"));
  ASSERT_TRUE(reader.join(kv(), "probe"));
  // Lock-step with the reader, a batch well under the mark read before the next, so that only
  // the stalled subscriber can fall behind however slow this machine is. About 27 MB of
  // events: far past the stalled one's queue and the kernel's socket buffers.
  const std::string value(10000, 'v');
  constexpr int batches = 200;
  constexpr int batch = 10;
  std::optional<std::uint64_t> last_seq;
  for (int b = 0; b < batches; ++b) {
    for (int i = 0; i < batch; ++i) {
      ASSERT_EQ(kv().put_key("k/" + std::to_string(i), value).status, 200);
    }
    for (int got = 0; got < batch;) {
      const auto message = reader.next(30s);
      ASSERT_TRUE(message) << "the reader got nothing after seq " << last_seq.value_or(0);
      const Event event = Event::parse(message->second);
      if (last_seq) {
        ASSERT_EQ(event.seq, *last_seq + 1) << "a gap in what the reader got";
      }
      last_seq = event.seq;
      if (event.key.starts_with("k/")) ++got;
    }
  }
  const auto deadline = clock_type::now() + 20s;
  while (metric(kv(), zmq_dropped) == 0 && clock_type::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GT(metric(kv(), zmq_dropped), 0) << "27 MB to a subscriber that does not read";
  int stalled_received = 0;
  while (stalled.next(500ms)) ++stalled_received;
  EXPECT_LT(stalled_received, batches * batch);
  EXPECT_TRUE(stalled.join(kv(), "probe")) << "the stalled subscriber no longer gets events";
}

class BoundedMemoryFeedTest : public FeedTest {
 protected:
  std::string config_text() override { return "[feed]\nhistory_bytes = 4194304\n"; }
};

TEST_F(BoundedMemoryFeedTest, FiftyStalledWatchersKeepTheNodesMemoryBounded) {
  constexpr int watchers = 50;
  std::vector<std::unique_ptr<WatchConnection>> stalled;
  for (int i = 0; i < watchers; ++i) {
    stalled.push_back(std::make_unique<WatchConnection>(node().http_port(), "/v1/watch",
                                                        std::vector<std::string>{}, 4096));
  }
  ASSERT_TRUE(MetricReaches(kv(), sse_subscribers, watchers));
  const double rss_before = metric(kv(), "process_resident_memory_bytes");

  // About 170 MB of events pass by 50 watchers that read nothing.
  write_burst(node(), 4, 1300, 96 << 10);

  EXPECT_TRUE(MetricReaches(kv(), sse_dropped, watchers));
  EXPECT_TRUE(MetricReaches(kv(), sse_subscribers, 0));
  // Queues are bounded (4 MiB each, of events they share) and so is the history (4 MiB); kept
  // unbounded, the events alone would take about 170 MB. The bound leaves room for the
  // allocator's reserve and for the request bodies in flight. The allocator may hold the
  // burst's peak until the node hands its free pages back, once a second.
  const auto deadline = clock_type::now() + 10s;
  double rss_after = metric(kv(), "process_resident_memory_bytes");
  while (rss_after - rss_before >= 96.0 * (1 << 20) && clock_type::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    rss_after = metric(kv(), "process_resident_memory_bytes");
  }
  EXPECT_LT(rss_after - rss_before, 96.0 * (1 << 20))
      << "RSS grew from " << rss_before / (1 << 20) << " MiB to " << rss_after / (1 << 20)
      << " MiB";
}

TEST(FeedStartupTest, AFeedEndpointInUseExitsOneNamingIt) {
  zmq::context_t context;
  zmq::socket_t holder(context, zmq::socket_type::pub);
  holder.set(zmq::sockopt::linger, 0);
  holder.bind("tcp://127.0.0.1:*");
  const std::string endpoint = holder.get(zmq::sockopt::last_endpoint);
  TempDir dir;
  const RunResult run =
      run_kvnode({"--http-listen", numbered("127.0.0.1:", pick_free_port()), "--feed-endpoint",
                  endpoint, "--data-dir", (dir.path() / "data").string()},
                 10s);
  EXPECT_TRUE(run.status.exited_with(1)) << run.status.describe() << "\n" << run.stderr_text;
  const auto lines = non_empty_lines(run.stderr_text);
  ASSERT_EQ(lines.size(), 1u) << run.stderr_text;
  EXPECT_NE(lines[0].find("cannot bind the change feed at " + endpoint), std::string::npos)
      << lines[0];
}

TEST(FeedShutdownTest, SigtermEndsOpenWatchStreamsAndTheNodeExitsZero) {
  NodeProcess node;
  std::string error;
  ASSERT_TRUE(node.start(&error)) << error;
  SseReader watch(node.http_port(), "/v1/watch?since_rev=0");
  ASSERT_TRUE(watch.open());
  KvClient kv(node.host(), node.http_port());
  ASSERT_EQ(kv.put_key("k", "v").status, 200);
  ASSERT_TRUE(watch.next(5s));

  node.send_signal(SIGTERM);
  const auto deadline = clock_type::now() + 20s;
  while (!watch.ended() && clock_type::now() < deadline) watch.next(100ms);
  EXPECT_TRUE(watch.finished_cleanly()) << "the stream ends with its last chunk";
  const ExitStatus status = node.wait_for_exit(20s);
  EXPECT_TRUE(status.exited_with(0)) << status.describe();
}

}  // namespace
}  // namespace kvtest
