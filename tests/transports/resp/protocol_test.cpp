// The RESP2 request parser: arrays of bulk strings whole or in pieces, inline commands, and
// each malformed input answered with Redis's wording; and the reply encoders.
#include "transports/resp/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kv::resp {
namespace {

using namespace std::string_literals;

std::vector<std::string> strings(const std::vector<std::string_view>& args) {
  return {args.begin(), args.end()};
}

TEST(RespParserTest, ParsesAnArrayOfBulkStrings) {
  command_parser parser;
  const std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\n\0x\r\n*1\r\n$4\r\nPING\r\n"s;
  ASSERT_EQ(parser.parse(input), parse_status::complete);
  EXPECT_EQ(strings(parser.args()),
            (std::vector<std::string>{"SET", "k", std::string("v\r\n\0x", 5)}));
  const std::size_t first = parser.consumed();
  // The arguments point into the input: no copy.
  EXPECT_EQ(parser.args()[1].data(), input.data() + 17);
  ASSERT_EQ(parser.parse(std::string_view(input).substr(first)), parse_status::complete);
  EXPECT_EQ(strings(parser.args()), (std::vector<std::string>{"PING"}));
  EXPECT_EQ(first + parser.consumed(), input.size());
}

TEST(RespParserTest, GoesOnWhereItStoppedWhateverTheSplit) {
  const std::string input = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n";
  for (std::size_t split = 0; split <= input.size(); ++split) {
    command_parser parser;
    // The first piece, then everything (as a connection's buffer grows).
    const auto first = parser.parse(std::string_view(input).substr(0, split));
    if (split < input.size()) {
      ASSERT_EQ(first, parse_status::incomplete) << split;
    }
    // The buffer may have moved: the parser keeps offsets, not pointers.
    const std::string moved = input;
    ASSERT_EQ(parser.parse(moved), parse_status::complete) << split;
    EXPECT_EQ(strings(parser.args()), (std::vector<std::string>{"SET", "key", "0123456789"}));
    EXPECT_EQ(parser.consumed(), input.size());
  }
}

TEST(RespParserTest, SaysHowMuchALargeValueNeeds) {
  command_parser parser;
  const std::string head = "*2\r\n$4\r\nECHO\r\n$100000\r\nabc";
  ASSERT_EQ(parser.parse(head), parse_status::incomplete);
  EXPECT_EQ(parser.needed(), std::string("*2\r\n$4\r\nECHO\r\n$100000\r\n").size() + 100002);
}

TEST(RespParserTest, ParsesInlineCommandsWithQuotes) {
  command_parser parser;
  ASSERT_EQ(parser.parse("set k \"a b\\x41\\n\" 'it\\'s'\r\n"), parse_status::complete);
  EXPECT_EQ(strings(parser.args()), (std::vector<std::string>{"set", "k", "a bA\n", "it's"}));
  ASSERT_EQ(parser.parse("PING\n"), parse_status::complete);
  EXPECT_EQ(strings(parser.args()), (std::vector<std::string>{"PING"}));
  EXPECT_EQ(parser.consumed(), 5u);
  EXPECT_EQ(parser.parse("   \r\n"), parse_status::empty);
  EXPECT_EQ(parser.consumed(), 5u);
  EXPECT_EQ(parser.parse("*0\r\n"), parse_status::empty);
  EXPECT_EQ(parser.parse("*-1\r\n"), parse_status::empty);
  EXPECT_EQ(parser.parse("GET k"), parse_status::incomplete);
}

TEST(RespParserTest, RefusesMalformedInputAsRedisDoes) {
  parse_limits limits;
  limits.max_bulk_bytes = 1000;
  limits.max_inline_bytes = 100;
  auto error_of = [&](const std::string& input) {
    command_parser parser(limits);
    EXPECT_EQ(parser.parse(input), parse_status::error) << input;
    return parser.error();
  };
  EXPECT_EQ(error_of("*x\r\n"), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*2000000\r\n"), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*1\r\n+PING\r\n"), "ERR Protocol error: expected '$', got '+'");
  EXPECT_EQ(error_of("*1\r\n$1001\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*1\r\n$-1\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*1\r\n$01\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("set k \"open\r\n"), "ERR Protocol error: unbalanced quotes in request");
  EXPECT_EQ(error_of("set k \"a\"b\r\n"), "ERR Protocol error: unbalanced quotes in request");
  EXPECT_EQ(error_of(std::string(101, 'a')), "ERR Protocol error: too big inline request");
  EXPECT_EQ(error_of("*1" + std::string(100, '1')),
            "ERR Protocol error: too big mbulk count string");
  EXPECT_EQ(error_of("*1\r\n$1" + std::string(100, '0')),
            "ERR Protocol error: too big bulk count string");
  limits.max_command_bytes = 50;
  EXPECT_EQ(error_of("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40\r\n"),
            "ERR Protocol error: request larger than 50 bytes");
}

TEST(RespParserTest, ReadsRedisIntegersAndFloats) {
  EXPECT_EQ(parse_integer("0"), 0);
  EXPECT_EQ(parse_integer("-42"), -42);
  EXPECT_EQ(parse_integer("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", "-", "+1", "01", "-0", " 1", "1 ", "9223372036854775808", "1e3"}) {
    EXPECT_FALSE(parse_integer(bad)) << bad;
  }
  EXPECT_EQ(parse_double("1.5"), 1.5);
  EXPECT_EQ(parse_double("-1e3"), -1000);
  for (const char* bad : {"", "abc", "nan", "inf", " 1", "1 ", "1e999"}) {
    EXPECT_FALSE(parse_double(bad)) << bad;
  }
}

TEST(RespReplyTest, EncodesEachReplyType) {
  std::string out;
  append_simple(out, "OK");
  append_error(out, "ERR two\r\nlines");
  append_integer(out, -7);
  append_bulk(out, std::string("a\0b", 3));
  append_null(out);
  append_array_header(out, 2);
  append_null_array(out);
  EXPECT_EQ(out, "+OK\r\n-ERR two  lines\r\n:-7\r\n$3\r\na\0b\r\n$-1\r\n*2\r\n*-1\r\n"s);
}

}  // namespace
}  // namespace kv::resp
