// The request parser alone: pipelined requests one at a time, limits enforced before a body is
// read, and every malformed framing refused with a status instead of guessed at.
#include "transports/http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace kv::http {
namespace {

using progress = request_parser::progress;

parse_limits small_limits() {
  parse_limits limits;
  limits.max_head_bytes = 1024;
  limits.max_body_bytes = 100;
  return limits;
}

// Feeds `text` whole and returns how many bytes the parser used.
std::size_t feed(request_parser& parser, std::string_view text) {
  return parser.feed(text.data(), text.size());
}

int refusal_status(std::string_view text) {
  request_parser parser(small_limits());
  feed(parser, text);
  EXPECT_EQ(parser.state(), progress::failed) << text;
  return parser.error().status;
}

TEST(RequestParserTest, ParsesMethodPathQueryHeadersAndBody) {
  request_parser parser(small_limits());
  const std::string text =
      "PUT /v1/keys/a%20b?if_version=3&flag HTTP/1.1\r\nHost: x\r\nX-Thing:  two words  \r\n"
      "Content-Length: 5\r\n\r\nhello";
  EXPECT_EQ(feed(parser, text), text.size());
  ASSERT_EQ(parser.state(), progress::complete);
  const request& req = parser.current();
  EXPECT_EQ(req.request_method(), method::put);
  EXPECT_EQ(req.path(), "/v1/keys/a%20b");
  EXPECT_EQ(req.query("if_version"), "3");
  EXPECT_EQ(req.query("flag"), "");
  EXPECT_FALSE(req.query("missing"));
  EXPECT_EQ(req.query_string(), "if_version=3&flag");
  EXPECT_EQ(req.header("x-thing"), "two words");
  EXPECT_EQ(req.body(), "hello");
  EXPECT_TRUE(req.keep_alive());
}

TEST(RequestParserTest, QueryStringIsEmptyWithoutAQuestionMark) {
  request_parser parser(small_limits());
  const std::string text = "GET /search HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(feed(parser, text), text.size());
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().query_string(), "");
}

TEST(RequestParserTest, StopsAfterEachOfTwoPipelinedRequests) {
  request_parser parser(small_limits());
  const std::string first = "PUT /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx";
  const std::string second = "PUT /b HTTP/1.1\r\nContent-Length: 1\r\n\r\ny";
  const std::string both = first + second;
  EXPECT_EQ(feed(parser, both), first.size());
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().path(), "/a");
  parser.next();
  EXPECT_EQ(feed(parser, std::string_view(both).substr(first.size())), second.size());
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().path(), "/b");
  EXPECT_EQ(parser.current().body(), "y");
}

TEST(RequestParserTest, AcceptsARequestArrivingByteByByte) {
  request_parser parser(small_limits());
  const std::string text = "POST /v1/keys HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
  for (std::size_t i = 0; i < text.size(); ++i) {
    ASSERT_NE(parser.state(), progress::failed);
    EXPECT_EQ(parser.feed(text.data() + i, 1), 1u);
  }
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().body(), "{}");
}

TEST(RequestParserTest, DecodesChunkedBodiesWithExtensions) {
  request_parser parser(small_limits());
  feed(parser,
       "PUT /k HTTP/1.1\r\nTransfer-Encoding: "
       "chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().body(), "abcde");
}

TEST(RequestParserTest, RefusesMalformedContentLengths) {
  for (const char* length : {"abc", "0x10", "+5", "1 0", "-1", "3, 5"}) {
    EXPECT_EQ(refusal_status(std::string("PUT /k HTTP/1.1\r\nContent-Length: ") + length +
                             "\r\n\r\nabcdefgh"),
              400)
        << length;
  }
  EXPECT_EQ(refusal_status("PUT /k HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc"),
            400);
  EXPECT_EQ(refusal_status("PUT /k HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n"), 400);
}

TEST(RequestParserTest, RefusesMalformedChunks) {
  EXPECT_EQ(refusal_status("PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n"),
            400);
  EXPECT_EQ(refusal_status("PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "ffffffffffffffffffff\r\nabc\r\n"),
            400);
  EXPECT_EQ(refusal_status("PUT /k HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc"), 501);
  EXPECT_EQ(refusal_status("PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
            400);
}

TEST(RequestParserTest, RefusesADeclaredBodyOverTheLimitBeforeReadingIt) {
  request_parser parser(small_limits());
  feed(parser, "PUT /v1/keys HTTP/1.1\r\nContent-Length: 2147483648\r\n\r\n");
  ASSERT_EQ(parser.state(), progress::failed);
  EXPECT_EQ(parser.error().status, 413);
  EXPECT_EQ(parser.error().code, "payload_too_large");
  EXPECT_NE(parser.error().message.find("split the batch"), std::string::npos);
}

TEST(RequestParserTest, RefusesAChunkedBodyOnceItPassesTheLimit) {
  request_parser parser(small_limits());
  feed(parser, "PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "40\r\n" + std::string(64, 'a') + "\r\n";
  feed(parser, chunk);
  EXPECT_EQ(parser.state(), progress::need_more);
  feed(parser, chunk);
  ASSERT_EQ(parser.state(), progress::failed);
  EXPECT_EQ(parser.error().status, 413);
}

TEST(RequestParserTest, LimitsTheRequestLineAndHeaders) {
  EXPECT_EQ(refusal_status("GET /v1/keys?prefix=" + std::string(2000, 'a') + " HTTP/1.1\r\n\r\n"),
            414);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"), 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 200; ++i) many += "X: y\r\n";
  EXPECT_EQ(refusal_status(many + "\r\n"), 431);
}

TEST(RequestParserTest, RefusesWhatIsNotHttp11) {
  EXPECT_EQ(refusal_status("GET /\r\n"), 400);  // HTTP/0.9
  EXPECT_EQ(refusal_status("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
  EXPECT_EQ(refusal_status("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(refusal_status("FROB / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\rHost: x\r\r"), 400);  // bare CR
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nExpect: teapot\r\n\r\n"), 417);
}

TEST(RequestParserTest, AcceptsBareLineFeeds) {
  request_parser parser(small_limits());
  feed(parser, "GET /v1/ping HTTP/1.1\nHost: x\n\n");
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().path(), "/v1/ping");
}

TEST(RequestParserTest, KeepAliveFollowsTheVersionAndConnectionHeader) {
  const auto keep_alive = [](std::string_view text) {
    request_parser parser(small_limits());
    feed(parser, text);
    EXPECT_EQ(parser.state(), progress::complete) << text;
    return parser.current().keep_alive();
  };
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST(RequestParserTest, AbsoluteFormTargetsServeTheirPath) {
  request_parser parser(small_limits());
  feed(parser, "GET http://example.com/v1/ping?x=1 HTTP/1.1\r\n\r\n");
  ASSERT_EQ(parser.state(), progress::complete);
  EXPECT_EQ(parser.current().path(), "/v1/ping");
  EXPECT_EQ(parser.current().query("x"), "1");
}

TEST(RequestParserTest, AsksForContinueOncePerRequest) {
  request_parser parser(small_limits());
  feed(parser, "PUT /k HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(parser.take_continue_wanted());
  EXPECT_FALSE(parser.take_continue_wanted());
  feed(parser, "abc");
  EXPECT_EQ(parser.state(), progress::complete);
}

}  // namespace
}  // namespace kv::http
