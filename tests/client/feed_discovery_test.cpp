// Tests of reading the feed endpoint a node advertises in /v1/info, and of filling in a
// wildcard host with the host the client reached the node at.
#include "client/feed_discovery.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kv::client {
namespace {

TEST(FeedDiscoveryTest, AConcreteEndpointIsTakenAsAdvertised) {
  EXPECT_EQ(
      advertised_feed(R"({"node_id":"n","feed":{"zmq":"tcp://10.1.2.3:7000"}})", "node.example"),
      "tcp://10.1.2.3:7000");
  EXPECT_EQ(advertised_feed(R"({"feed":{"zmq":"ipc:///run/kvactor/feed"}})", "localhost"),
            "ipc:///run/kvactor/feed");
}

TEST(FeedDiscoveryTest, AWildcardHostBecomesTheHostOfTheUrl) {
  EXPECT_EQ(advertised_feed(R"({"feed":{"zmq":"tcp://0.0.0.0:5557"}})", "node.example"),
            "tcp://node.example:5557");
  EXPECT_EQ(advertised_feed(R"({"feed":{"zmq":"tcp://[::]:5557"}})", "::1"), "tcp://[::1]:5557");
  EXPECT_EQ(advertised_feed(R"({"feed":{"zmq":"tcp://*:5557"}})", "10.0.0.9"),
            "tcp://10.0.0.9:5557");
}

TEST(FeedDiscoveryTest, NoAdvertisedEndpointIsNothing) {
  EXPECT_EQ(advertised_feed(R"({"node_id":"n"})", "h"), std::nullopt);
  EXPECT_EQ(advertised_feed(R"({"feed":{}})", "h"), std::nullopt);
  EXPECT_EQ(advertised_feed(R"({"feed":{"zmq":5556}})", "h"), std::nullopt);
  EXPECT_EQ(advertised_feed(R"({"feed":"tcp://h:1"})", "h"), std::nullopt);
}

TEST(FeedDiscoveryTest, AReplyThatIsNotAJsonObjectIsAnError) {
  EXPECT_THROW(advertised_feed("<html>", "h"), std::runtime_error);
  EXPECT_THROW(advertised_feed("[1,2]", "h"), std::runtime_error);
}

}  // namespace
}  // namespace kv::client
