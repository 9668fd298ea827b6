// One Engine.IO session with time passed in: connect, long-polls, pings and expiry, and the
// bounded queue of a client that does not poll.
#include "transports/socketio/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

namespace kv::socketio {
namespace {

using std::chrono::milliseconds;

struct recorder {
  std::optional<poll_reply> reply;
  poll_responder responder() {
    return [this](poll_reply r) { reply = std::move(r); };
  }
};

class SessionTest : public ::testing::Test {
 protected:
  session_limits limits() {
    session_limits l;
    l.max_queued_packets = 4;
    l.max_queued_bytes = 1 << 20;
    return l;
  }
  clock::time_point start = clock::now();
  engineio_session session{"sid1", "sock1", limits(), start};
};

std::shared_ptr<const std::string> packet(const std::string& text) {
  return std::make_shared<const std::string>(text);
}

TEST_F(SessionTest, ConnectIsAcknowledgedOnTheNextPoll) {
  EXPECT_EQ(session.receive("40", start), receive_result::ok);
  EXPECT_TRUE(session.joined());
  recorder poll;
  session.poll(poll.responder(), start);
  ASSERT_TRUE(poll.reply);
  EXPECT_EQ(poll.reply->status, 200);
  EXPECT_EQ(poll.reply->body, R"(40{"sid":"sock1"})");
}

TEST_F(SessionTest, AHeldPollIsAnsweredByTheNextEvent) {
  ASSERT_EQ(session.receive("40{}", start), receive_result::ok);
  recorder first;
  session.poll(first.responder(), start);  // takes the connect ack
  recorder held;
  session.poll(held.responder(), start);
  EXPECT_FALSE(held.reply);
  EXPECT_EQ(session.offer(packet("42[\"key_update\",{}]")), offer_result::queued);
  ASSERT_TRUE(held.reply);
  EXPECT_EQ(held.reply->body, "42[\"key_update\",{}]");
}

TEST_F(SessionTest, EventsBeforeTheNamespaceConnectAreNotForThisClient) {
  EXPECT_EQ(session.offer(packet("42[\"x\"]")), offer_result::not_joined);
  ASSERT_EQ(session.receive("40", start), receive_result::ok);
  ASSERT_EQ(session.receive("41", start), receive_result::ok);
  EXPECT_FALSE(session.joined());
}

TEST_F(SessionTest, APollCarriesAtMostSixteenPackets) {
  session_limits l;
  engineio_session big("s", "k", l, start);
  ASSERT_EQ(big.receive("40", start), receive_result::ok);
  for (int i = 0; i < 20; ++i) big.offer(packet("42[\"e\"]"));
  recorder poll;
  big.poll(poll.responder(), start);
  ASSERT_TRUE(poll.reply);
  // The connect ack and 15 events, 16 packets: 15 separators.
  EXPECT_EQ(std::count(poll.reply->body.begin(), poll.reply->body.end(), '\x1e'), 15);
  recorder rest;
  big.poll(rest.responder(), start);
  ASSERT_TRUE(rest.reply);
  EXPECT_EQ(std::count(rest.reply->body.begin(), rest.reply->body.end(), '\x1e'), 4);
}

TEST_F(SessionTest, AClientThatDoesNotPollLosesEventsPastTheBound) {
  ASSERT_EQ(session.receive("40", start), receive_result::ok);  // the ack is queued too
  int queued = 0, dropped = 0;
  for (int i = 0; i < 10; ++i) {
    (session.offer(packet("42[\"e\"]")) == offer_result::queued ? queued : dropped) += 1;
  }
  EXPECT_EQ(queued, 3);
  EXPECT_EQ(dropped, 7);
}

TEST_F(SessionTest, PingsEveryIntervalAndAnswersAHeldPollWithIt) {
  ASSERT_EQ(session.receive("40", start), receive_result::ok);
  recorder ack;
  session.poll(ack.responder(), start);
  recorder held;
  session.poll(held.responder(), start);
  EXPECT_TRUE(session.tick(start + milliseconds(24999)));
  EXPECT_FALSE(held.reply);
  EXPECT_TRUE(session.tick(start + milliseconds(25000)));
  ASSERT_TRUE(held.reply);
  EXPECT_EQ(held.reply->body, "2");
  // The PONG keeps it alive past the timeout, and the next ping comes an interval later.
  EXPECT_EQ(session.receive("3", start + milliseconds(25100)), receive_result::ok);
  EXPECT_TRUE(session.tick(start + milliseconds(49000)));
  EXPECT_TRUE(session.tick(start + milliseconds(50000)));
}

TEST_F(SessionTest, ExpiresWhenAPingIsNotAnsweredInTime) {
  EXPECT_TRUE(session.tick(start + milliseconds(25000)));  // PING queued, nobody polls
  EXPECT_TRUE(session.tick(start + milliseconds(44999)));
  EXPECT_FALSE(session.tick(start + milliseconds(45000)));
  recorder late;
  session.poll(late.responder(), start + milliseconds(45001));
  ASSERT_TRUE(late.reply);
  EXPECT_EQ(late.reply->status, 400);
}

TEST_F(SessionTest, CloseAndBrokenPayloadsEndTheSession) {
  EXPECT_EQ(session.receive("1", start), receive_result::closed);
  engineio_session other("s2", "k2", limits(), start);
  EXPECT_EQ(other.receive("4zz", start), receive_result::bad_request);
  EXPECT_EQ(other.receive("3", start), receive_result::closed);
  engineio_session upgrading("s3", "k3", limits(), start);
  EXPECT_EQ(upgrading.receive("5", start), receive_result::bad_request);
}

TEST_F(SessionTest, OtherNamespacesAreRefused) {
  ASSERT_EQ(session.receive("40/admin,", start), receive_result::ok);
  EXPECT_FALSE(session.joined());
  recorder poll;
  session.poll(poll.responder(), start);
  ASSERT_TRUE(poll.reply);
  EXPECT_EQ(poll.reply->body, R"(44/admin,{"message":"Invalid namespace"})");
}

TEST_F(SessionTest, ANewPollReplacesAHeldOneWithANoop) {
  recorder first, second;
  session.poll(first.responder(), start);
  session.poll(second.responder(), start);
  ASSERT_TRUE(first.reply);
  EXPECT_EQ(first.reply->body, "6");
  EXPECT_FALSE(second.reply);
  session.end({503, "bye"});
  ASSERT_TRUE(second.reply);
  EXPECT_EQ(second.reply->status, 503);
}

}  // namespace
}  // namespace kv::socketio
