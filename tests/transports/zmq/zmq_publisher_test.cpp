// The ZeroMQ publisher against real SUB sockets: two-frame messages filtered by key prefix,
// subscribers that come and go, a clear error for an endpoint in use, and a subscriber that
// stopped reading losing only its own events, each overflow of its queue reported.
#include "transports/zmq/zmq_publisher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace kv::zmq_feed {
namespace {

using namespace std::chrono_literals;

// The JSON frame starts with the rev, padded to `json_bytes`, so a subscriber can tell a gap.
feed_event_ptr event(std::uint64_t rev, std::string key, std::size_t json_bytes = 100) {
  std::string json = std::to_string(rev) + ' ';
  json.resize(std::max(json.size(), json_bytes), 'j');
  return std::make_shared<const feed_event>(feed_event{std::move(key), rev, std::move(json), {}});
}

std::uint64_t rev_of(const zmq::message_t& json_frame) {
  return std::stoull(json_frame.to_string());
}

// An endpoint no other test uses: the inproc transport needs the publisher's context, so
// these tests use loopback TCP on a port the OS picks.
std::string free_endpoint() {
  zmq::context_t context;
  zmq::socket_t probe(context, zmq::socket_type::pub);
  probe.set(zmq::sockopt::linger, 0);
  probe.bind("tcp://127.0.0.1:*");
  return probe.get(zmq::sockopt::last_endpoint);
}

std::vector<zmq::message_t> receive(zmq::socket_t& socket) {
  std::vector<zmq::message_t> frames;
  (void)zmq::recv_multipart(socket, std::back_inserter(frames));
  return frames;
}

// The next message that is not a join() probe; empty when none comes in time.
std::vector<zmq::message_t> receive_event(zmq::socket_t& socket) {
  for (;;) {
    auto frames = receive(socket);
    if (frames.size() != 2 || frames[0].to_string() != "probe") return frames;
  }
}

class ZmqPublisherTest : public ::testing::Test {
 protected:
  ZmqPublisherTest() : endpoint_(free_endpoint()) {}

  zmq::socket_t subscriber(const std::string& prefix, int receive_hwm = 1000) {
    zmq::socket_t socket(context_, zmq::socket_type::sub);
    socket.set(zmq::sockopt::rcvhwm, receive_hwm);
    socket.set(zmq::sockopt::subscribe, prefix);
    socket.set(zmq::sockopt::rcvtimeo, 200);
    socket.connect(endpoint_);
    return socket;
  }

  // A subscription takes effect some time after connect (the slow joiner): publish probes
  // until one arrives, bounded.
  void join(zmq_publisher& publisher, zmq::socket_t& socket, const std::string& probe_key) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      publisher.publish(event(0, probe_key));
      if (!receive(socket).empty()) break;
    }
    while (!receive(socket).empty()) {
    }
  }

  std::string endpoint_;
  zmq::context_t context_;
};

TEST_F(ZmqPublisherTest, SubscribersGetTwoFramesOfTheirPrefixOnly) {
  zmq_publisher publisher(endpoint_, 1000);
  auto users = subscriber("user:");
  join(publisher, users, "user:probe");
  EXPECT_TRUE(publisher.publish(event(1, "order:1")));
  EXPECT_TRUE(publisher.publish(event(2, "user:7", 5)));
  const auto frames = receive(users);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].to_string(), "user:7");
  EXPECT_EQ(frames[1].to_string(), "2 jjj");
  EXPECT_TRUE(receive(users).empty());
}

// The publisher sends nothing while nobody subscribes: it must still see every subscriber come,
// and a prefix stays subscribed while any of its subscribers remains.
TEST_F(ZmqPublisherTest, SubscribersComingAndGoingGetEveryEventOfTheirPrefix) {
  zmq_publisher publisher(endpoint_, 1000);
  EXPECT_TRUE(publisher.publish(event(1, "user:1")));
  {
    auto early = subscriber("user:");
    join(publisher, early, "user:probe");
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(publisher.publish(event(2, "user:2")));
  auto first = subscriber("user:");
  join(publisher, first, "user:probe");
  {
    auto second = subscriber("user:");
    join(publisher, second, "user:probe");
  }
  while (!receive(first).empty()) {  // the probes sent for the second subscriber
  }
  EXPECT_TRUE(publisher.publish(event(3, "user:3")));
  const auto frames = receive_event(first);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(rev_of(frames[1]), 3u);
}

TEST_F(ZmqPublisherTest, AnEndpointInUseIsAClearError) {
  zmq_publisher first(endpoint_, 1000);
  try {
    zmq_publisher second(endpoint_, 1000);
    FAIL() << "bound twice";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(endpoint_), std::string::npos) << error.what();
  }
}

TEST_F(ZmqPublisherTest, AStalledSubscriberLosesOnlyItsOwnEventsAndEachOverflowIsReported) {
  zmq_publisher publisher(endpoint_, 100);
  auto stalled = subscriber("", 100);
  auto reader = subscriber("", 100);
  join(publisher, stalled, "probe");
  join(publisher, reader, "probe");
  while (!receive(stalled).empty()) {
  }
  // Lock-step with the reader (a batch well under the mark, read before the next), so that
  // only the stalled subscriber can fall behind however slow this machine is.
  reader.set(zmq::sockopt::rcvtimeo, 30000);
  constexpr std::uint64_t events = 20000;  // 20 MB: far past the mark and the kernel's buffers
  constexpr std::uint64_t batch = 10;
  std::size_t overflows = 0;
  std::uint64_t next_expected = 1;
  for (std::uint64_t rev = 1; rev <= events; rev += batch) {
    for (std::uint64_t i = rev; i < rev + batch; ++i) {
      if (!publisher.publish(event(i, "k", 1000))) ++overflows;
    }
    for (std::uint64_t i = 0; i < batch; ++i) {
      const auto frames = receive_event(reader);
      ASSERT_EQ(frames.size(), 2u) << "the reader got nothing after rev " << next_expected - 1;
      ASSERT_EQ(rev_of(frames[1]), next_expected) << "a gap in what the reader got";
      ++next_expected;
    }
  }
  EXPECT_GT(overflows, 0u) << "20 MB to a subscriber that does not read must hit the mark";
  std::uint64_t stalled_received = 0;
  while (!receive_event(stalled).empty()) ++stalled_received;
  EXPECT_LT(stalled_received, events);
  // Each reported overflow cost the stalled subscriber at least the event it was reported on.
  EXPECT_LE(overflows, events - stalled_received);
  // Still connected: once it has read its queue down, it gets events again.
  join(publisher, stalled, "probe");
  EXPECT_TRUE(publisher.publish(event(events + 1, "k")));
  std::vector<zmq::message_t> after;
  do {
    after = receive_event(stalled);
  } while (!after.empty() && rev_of(after[1]) != events + 1);
  EXPECT_FALSE(after.empty()) << "the stalled subscriber no longer gets events";
}

}  // namespace
}  // namespace kv::zmq_feed
