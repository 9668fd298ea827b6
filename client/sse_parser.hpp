// An incremental parser of a text/event-stream body (the WHATWG server-sent events format):
// bytes in as they arrive, complete messages out. No networking, so it can be tested alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kv::client {

// One dispatched message.
struct sse_message {
  std::string event;  // the `event:` field; "" for the default type ("message")
  std::string data;   // the `data:` lines joined with '\n'
  // The stream's last event id as of this message (`id:` here or in an earlier message).
  std::optional<std::string> last_event_id;
  // False for a block with an `id:` and no data: the standard dispatches no event for it, but
  // it moves the resume point (the node starts each new stream with one).
  bool has_data = true;
};

class sse_parser {
 public:
  // Consumes `bytes` (any split, even inside a line or a CRLF) and returns the messages they
  // complete. Comment lines (heartbeats) and unknown fields are skipped, as the format says.
  std::vector<sse_message> feed(std::string_view bytes);

 private:
  void take_line(std::string_view line, std::vector<sse_message>& out);
  void dispatch(std::vector<sse_message>& out);

  std::string line_;
  bool after_cr_ = false;  // the previous byte ended a line with CR; a following LF is its pair
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  bool block_has_id_ = false;
  std::optional<std::string> last_event_id_;
};

}  // namespace kv::client
