// Unit tests of reading change-feed event JSON: puts with decoded values, deletes, and the
// errors for anything else.
#include "client/watch_event.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kv::client {
namespace {

TEST(WatchEventTest, ReadsAPutWithItsDecodedValue) {
  const auto event = parse_watch_event(
      R"({"op":"put","key":"user:1","value":"YW5u","version":1,"partition":7,"seq":3,"rev":9,)"
      R"("ts_ms":1763794800000})");
  EXPECT_TRUE(event.is_put);
  EXPECT_EQ(event.key, "user:1");
  EXPECT_EQ(event.value, "ann");
  EXPECT_EQ(event.partition, 7u);
  EXPECT_EQ(event.seq, 3u);
  EXPECT_EQ(event.rev, 9u);
}

TEST(WatchEventTest, ReadsADeleteWithoutAValue) {
  const auto event = parse_watch_event(
      R"({"op":"delete","key":"k","version":2,"partition":0,"seq":4,"rev":10,"ts_ms":1})");
  EXPECT_FALSE(event.is_put);
  EXPECT_EQ(event.key, "k");
  EXPECT_EQ(event.value, "");
}

TEST(WatchEventTest, ReadsAnExpiryAsADeleteByExpiry) {
  const auto event = parse_watch_event(
      R"({"op":"expire","key":"k","version":2,"partition":0,"seq":5,"rev":11,"ts_ms":1})");
  EXPECT_FALSE(event.is_put);
  EXPECT_TRUE(event.expired);
  EXPECT_EQ(event.seq, 5u);
  EXPECT_FALSE(parse_watch_event(R"({"op":"delete","key":"k","partition":0,"seq":1,"rev":1})")
                   .expired);
}

TEST(WatchEventTest, RejectsWhatIsNotAnEvent) {
  for (const char* text : {
           "not json",
           "[1,2]",
           R"({"op":"merge","key":"k","partition":0,"seq":1,"rev":1})",
           R"({"op":"put","key":"k","partition":0,"seq":1,"rev":1})",
           R"({"op":"put","key":"k","value":"!!","partition":0,"seq":1,"rev":1})",
           R"({"op":"delete","key":"k","partition":0,"seq":-1,"rev":1})",
           R"({"op":"delete","partition":0,"seq":1,"rev":1})",
       }) {
    EXPECT_THROW(parse_watch_event(text), std::runtime_error) << text;
  }
}

}  // namespace
}  // namespace kv::client
