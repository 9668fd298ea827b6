// Tests of the feed endpoint /v1/info advertises: feed.advertise first, else the bound
// endpoint, its wildcard host replaced by the HTTP listen host when that one is concrete.
#include "node/advertised_feed.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(AdvertisedFeedTest, AConcreteBoundEndpointIsAdvertisedAsBound) {
  EXPECT_EQ(advertised_feed_endpoint("", "tcp://127.0.0.1:41234", "0.0.0.0"),
            "tcp://127.0.0.1:41234");
  EXPECT_EQ(advertised_feed_endpoint("", "ipc:///run/kvactor/feed", "127.0.0.1"),
            "ipc:///run/kvactor/feed");
}

TEST(AdvertisedFeedTest, FeedAdvertiseWins) {
  EXPECT_EQ(advertised_feed_endpoint("tcp://feed.example:7000", "tcp://0.0.0.0:5556", "10.1.2.3"),
            "tcp://feed.example:7000");
}

TEST(AdvertisedFeedTest, AWildcardHostTakesTheHttpListenHost) {
  EXPECT_EQ(advertised_feed_endpoint("", "tcp://0.0.0.0:5556", "10.1.2.3"), "tcp://10.1.2.3:5556");
  EXPECT_EQ(advertised_feed_endpoint("", "tcp://[::]:5556", "node-7.example"),
            "tcp://node-7.example:5556");
  EXPECT_EQ(advertised_feed_endpoint("", "tcp://0.0.0.0:5556", "::1"), "tcp://[::1]:5556");
}

TEST(AdvertisedFeedTest, WildcardsOnBothStayForTheClientToFillIn) {
  EXPECT_EQ(advertised_feed_endpoint("", "tcp://0.0.0.0:5556", "0.0.0.0"), "tcp://0.0.0.0:5556");
  EXPECT_EQ(advertised_feed_endpoint("", "tcp://[::]:5556", "::"), "tcp://[::]:5556");
}

TEST(AdvertisedFeedTest, InprocIsNotAdvertised) {
  EXPECT_EQ(advertised_feed_endpoint("", "inproc://feed", "127.0.0.1"), std::nullopt);
}

}  // namespace
}  // namespace kv
