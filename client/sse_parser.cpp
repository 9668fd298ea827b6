// Server-sent events parsing as the WHATWG HTML standard specifies it: lines end with CR, LF or
// CRLF; a blank line dispatches; "data" lines accumulate; an "id" persists across messages.
#include "client/sse_parser.hpp"

#include <stdexcept>

namespace kv::client {
namespace {

// The largest event is a 1 MiB value in base64 plus its key and fields; a longer line means
// the peer is not a kvnode, and must not make the client grow without bound.
constexpr std::size_t max_line_bytes = 16 << 20;

}  // namespace

std::vector<sse_message> sse_parser::feed(std::string_view bytes) {
  std::vector<sse_message> out;
  for (const char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      take_line(line_, out);
      line_.clear();
    } else {
      if (line_.size() == max_line_bytes) {
        throw std::runtime_error("the event stream sent a line longer than 16 MiB");
      }
      line_.push_back(c);
    }
  }
  return out;
}

void sse_parser::take_line(std::string_view line, std::vector<sse_message>& out) {
  if (line.empty()) return dispatch(out);
  if (line.front() == ':') return;  // a comment: the node's heartbeat
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_ += value;
    has_data_ = true;
  } else if (field == "event") {
    event_ = value;
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    last_event_id_ = std::string(value);
    block_has_id_ = true;
  }
  // "retry" is left out on purpose: kvctl paces its own reconnections.
}

void sse_parser::dispatch(std::vector<sse_message>& out) {
  // A message without data is no event, though its id still counts (per the standard): it is
  // passed on only when it sets the id.
  if (has_data_ || block_has_id_) out.push_back({event_, data_, last_event_id_, has_data_});
  event_.clear();
  data_.clear();
  has_data_ = false;
  block_has_id_ = false;
}

}  // namespace kv::client
