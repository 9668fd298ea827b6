// Byte-exact exchanges for the dialect tests: a request sent exactly as an older service's
// client sends it, and its reply read whole (a chunked body joined), so that a test checks the
// status, the headers and the body bytes those clients parse.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/kv_client.hpp"

namespace kvtest {

struct WireReply {
  std::string error;  // non-empty when no complete reply arrived
  int status = -1;
  std::string head;
  std::string body;  // de-chunked

  // The first header of that name (case-insensitive), or nothing.
  std::optional<std::string> header(const std::string& name) const;
  std::string describe() const;
};

// Sends `request` (complete bytes; "Connection: close" is added before the blank line when the
// request does not say it) and reads the reply.
WireReply send_wire(std::uint16_t port, const std::string& request);

// A request with the given method, target, header lines ("Name: value\r\n" each) and body
// (Content-Length added when `body` is not empty and no Transfer-Encoding is given).
std::string wire_request(const std::string& method, const std::string& target,
                         const std::string& header_lines = "", const std::string& body = "");

// status, Content-Type (nothing: no Content-Type header at all) and the exact body.
::testing::AssertionResult IsWire(const WireReply& reply, int status,
                                  const std::optional<std::string>& content_type,
                                  const std::string& body);

}  // namespace kvtest
