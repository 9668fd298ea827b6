// The ZeroMQ publisher against real SUB sockets: two-frame messages filtered by key prefix, a
// clear error for an endpoint in use, and drops that are counted exactly: every event publish()
// accepted reaches a subscriber that stopped reading, and every other one was refused.
#include "transports/zmq/zmq_publisher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace kv::zmq_feed {
namespace {

using namespace std::chrono_literals;

feed_event_ptr event(std::uint64_t rev, std::string key, std::size_t json_bytes = 100) {
  return std::make_shared<const feed_event>(
      feed_event{std::move(key), rev, std::string(json_bytes, 'j')});
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
  EXPECT_EQ(frames[1].to_string(), "jjjjj");
  EXPECT_TRUE(receive(users).empty());
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

TEST_F(ZmqPublisherTest, DropsAtTheHighWaterMarkAreRefusedSoTheyCanBeCounted) {
  zmq_publisher publisher(endpoint_, 100);
  auto stalled = subscriber("", 100);
  join(publisher, stalled, "probe");
  std::size_t accepted = 0;
  std::size_t refused = 0;
  for (std::uint64_t rev = 1; rev <= 20000; ++rev) {
    (publisher.publish(event(rev, "k", 1000)) ? accepted : refused) += 1;
  }
  EXPECT_GT(refused, 0u) << "20 MB to a subscriber that does not read must hit the mark";
  std::size_t received = 0;
  while (!receive(stalled).empty()) ++received;
  EXPECT_EQ(received, accepted);
}

}  // namespace
}  // namespace kv::zmq_feed
