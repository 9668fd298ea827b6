// The Host and Origin rules alone, on parsed requests.
#include "transports/http/browser_guard.hpp"

#include <gtest/gtest.h>

#include <string>

#include "transports/http/request_parser.hpp"

namespace kv::http {
namespace {

// Checks the request `text` against `guard`: the refusal's status, or 0 when served.
int refusal(const browser_guard& guard, const std::string& text) {
  request_parser parser({});
  parser.feed(text.data(), text.size());
  EXPECT_EQ(parser.state(), request_parser::progress::complete) << text;
  const auto error = guard.check(parser.current());
  return error ? error->status : 0;
}

TEST(BrowserGuardTest, ALoopbackListenerAnswersOnlyToLoopbackNames) {
  const browser_guard guard({default_allowed_hosts("127.0.0.1"), {}});
  EXPECT_EQ(refusal(guard, "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"), 0);
  EXPECT_EQ(refusal(guard, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 0);
  EXPECT_EQ(refusal(guard, "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 0);
  EXPECT_EQ(refusal(guard, "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n"), 403);
  EXPECT_EQ(refusal(guard, "GET / HTTP/1.0\r\n\r\n"), 0);  // no Host at all
}

TEST(BrowserGuardTest, AWildcardListenerAnswersToAnyName) {
  EXPECT_TRUE(default_allowed_hosts("0.0.0.0").empty());
  const browser_guard guard({default_allowed_hosts("0.0.0.0"), {}});
  EXPECT_EQ(refusal(guard, "GET / HTTP/1.1\r\nHost: kvactor.default.svc:8080\r\n\r\n"), 0);
}

TEST(BrowserGuardTest, WritesWithAnOriginNeedAnAllowedOrigin) {
  const browser_guard guard({{}, {"https://app.example"}});
  EXPECT_EQ(refusal(guard, "PUT /k HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n"), 403);
  EXPECT_EQ(refusal(guard, "PUT /k HTTP/1.1\r\nOrigin: https://app.example\r\n\r\n"), 0);
  EXPECT_EQ(refusal(guard, "GET /k HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n"), 0);
  EXPECT_EQ(refusal(guard, "PUT /k HTTP/1.1\r\n\r\n"), 0);  // curl and other tools send none
}

}  // namespace
}  // namespace kv::http
