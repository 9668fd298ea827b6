// Unit tests of the server-sent events parser: messages split anywhere, every line ending,
// multi-line data, comments, ids that persist, and the reset event of the kvnode feed.
#include "client/sse_parser.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace kv::client {
namespace {

// Feeds `chunks` one after the other and returns every message.
std::vector<sse_message> parse(const std::vector<std::string>& chunks) {
  sse_parser parser;
  std::vector<sse_message> messages;
  for (const auto& chunk : chunks) {
    for (auto& message : parser.feed(chunk)) messages.push_back(std::move(message));
  }
  return messages;
}

TEST(SseParserTest, ReadsTheNodesEventsWithTheirIds) {
  const auto messages = parse({"id: 7\ndata: {\"rev\":7}\n\nid: 8\ndata: {\"rev\":8}\n\n"});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].event, "");
  EXPECT_EQ(messages[0].data, "{\"rev\":7}");
  EXPECT_EQ(messages[0].last_event_id, "7");
  EXPECT_EQ(messages[1].data, "{\"rev\":8}");
  EXPECT_EQ(messages[1].last_event_id, "8");
}

TEST(SseParserTest, AMessageSplitAtEveryByteComesOutWhole) {
  const std::string stream = "id: 12\r\ndata: {\"key\":\"a b\"}\r\n\r\n";
  std::vector<std::string> bytes;
  for (const char c : stream) bytes.emplace_back(1, c);
  const auto messages = parse(bytes);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, "{\"key\":\"a b\"}");
  EXPECT_EQ(messages[0].last_event_id, "12");
}

TEST(SseParserTest, NothingComesOutBeforeTheBlankLine) {
  sse_parser parser;
  EXPECT_TRUE(parser.feed("id: 1\ndata: x\n").empty());
  const auto messages = parser.feed("\n");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, "x");
}

TEST(SseParserTest, AcceptsCrLfAndCrAndLfLineEndings) {
  for (const std::string end : {"\n", "\r\n", "\r"}) {
    SCOPED_TRACE("line end of " + std::to_string(end.size()) + " bytes");
    const auto messages = parse({"data: a" + end + end + "data: b" + end + end});
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].data, "a");
    EXPECT_EQ(messages[1].data, "b");
  }
}

TEST(SseParserTest, CrLfSplitBetweenTwoChunksIsOneLineEnd) {
  // Were the LF read as a second line end, it would dispatch an empty message boundary early.
  const auto messages = parse({"data: a\r", "\ndata: b\r\n\r\n"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, "a\nb");
}

TEST(SseParserTest, JoinsDataLinesWithNewlines) {
  const auto messages = parse({"data: first\ndata:second\ndata\n\n"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, "first\nsecond\n");
}

TEST(SseParserTest, RemovesOnlyOneSpaceAfterTheColon) {
  const auto messages = parse({"data:   indented\n\n"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, "  indented");
}

TEST(SseParserTest, SkipsHeartbeatCommentsAndUnknownFields) {
  const auto messages = parse({":\n\n: keep-alive\n\nretry: 10\nfoo: bar\ndata: x\n\n"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, "x");
  EXPECT_EQ(messages[0].last_event_id, std::nullopt);
}

TEST(SseParserTest, ReadsTheResetEventWithItsIdAndData) {
  const auto messages =
      parse({"event: reset\nid: 30\ndata: {\"rev\":30,\"oldest_rev\":21}\n\nid: 31\ndata: e\n\n"});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].event, "reset");
  EXPECT_EQ(messages[0].data, "{\"rev\":30,\"oldest_rev\":21}");
  EXPECT_EQ(messages[0].last_event_id, "30");
  EXPECT_EQ(messages[1].event, "") << "the event type does not carry over";
}

TEST(SseParserTest, TheLastIdCarriesOverToMessagesWithoutOne) {
  const auto messages = parse({"id: 5\ndata: a\n\ndata: b\n\nid: 6\n\ndata: c\n\n"});
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[1].last_event_id, "5");
  EXPECT_EQ(messages[3].last_event_id, "6") << "a message without data still sets the id";
}

TEST(SseParserTest, AMessageWithoutDataIsNoEvent) {
  EXPECT_TRUE(parse({"event: reset\n\n"}).empty());
}

TEST(SseParserTest, AnIdWithoutDataIsPassedOnAsAResumePointOnly) {
  const auto messages = parse({"id: 3\n\n"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_FALSE(messages[0].has_data);
  EXPECT_EQ(messages[0].last_event_id, "3");
}

TEST(SseParserTest, AnEndlessLineIsRefused) {
  sse_parser parser;
  const std::string block(1 << 20, 'x');
  EXPECT_THROW(
      {
        for (int i = 0; i < 17; ++i) parser.feed(block);
      },
      std::runtime_error);
}

}  // namespace
}  // namespace kv::client
