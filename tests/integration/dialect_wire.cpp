// Raw exchanges and their checks for the dialect tests.
#include "tests/integration/dialect_wire.hpp"

#include <strings.h>

namespace kvtest {
namespace {

// The body of a chunked reply without its chunk framing; `text` as it is when not chunked.
std::string dechunk(const std::string& text) {
  std::string body;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t line_end = text.find("\r\n", at);
    if (line_end == std::string::npos) break;
    const std::size_t size = std::stoul(text.substr(at, line_end - at), nullptr, 16);
    if (size == 0) break;
    body += text.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return body;
}

}  // namespace

std::optional<std::string> WireReply::header(const std::string& name) const {
  std::size_t at = head.find("\r\n");
  while (at != std::string::npos) {
    const std::size_t start = at + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end == std::string::npos ? end : end - start);
    const std::size_t colon = line.find(':');
    if (colon == name.size() && ::strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
    at = end;
  }
  return std::nullopt;
}

std::string WireReply::describe() const {
  if (!error.empty()) return "no reply: " + error;
  return head + "\r\n\r\n" + body.substr(0, 400);
}

WireReply send_wire(std::uint16_t port, const std::string& request) {
  std::string bytes = request;
  if (bytes.find("\r\nConnection:") == std::string::npos) {
    bytes.insert(bytes.find("\r\n\r\n") + 2, "Connection: close\r\n");
  }
  const RawResponse raw = raw_http("127.0.0.1", port, bytes, request.starts_with("HEAD "));
  WireReply reply;
  reply.error = raw.error;
  reply.status = raw.status;
  reply.head = raw.head;
  reply.body = raw.body;
  const auto encoding = reply.header("Transfer-Encoding");
  if (encoding && *encoding == "chunked") reply.body = dechunk(raw.body);
  return reply;
}

std::string wire_request(const std::string& method, const std::string& target,
                         const std::string& header_lines, const std::string& body) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header_lines;
  if (!body.empty() && header_lines.find("Transfer-Encoding:") == std::string::npos) {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + body;
}

::testing::AssertionResult IsWire(const WireReply& reply, int status,
                                  const std::optional<std::string>& content_type,
                                  const std::string& body) {
  if (!reply.error.empty()) return ::testing::AssertionFailure() << reply.describe();
  if (reply.status != status) {
    return ::testing::AssertionFailure()
           << "status " << reply.status << ", expected " << status << "\n"
           << reply.describe();
  }
  if (reply.header("Content-Type") != content_type) {
    return ::testing::AssertionFailure()
           << "Content-Type " << reply.header("Content-Type").value_or("(none)") << ", expected "
           << content_type.value_or("(none)") << "\n"
           << reply.describe();
  }
  if (reply.body != body) {
    return ::testing::AssertionFailure() << "body\n  " << ::testing::PrintToString(reply.body)
                                         << "\nexpected\n  " << ::testing::PrintToString(body);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kvtest
