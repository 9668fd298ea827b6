// The SSE watch loop on cpp-httplib: one streamed GET per connection, fed through sse_parser;
// the last event id survives the connection so that the next one resumes exactly after it.
#include "client/sse_watch.hpp"

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "client/http_transport.hpp"
#include "client/sse_parser.hpp"

namespace kv::client {
namespace {

using clock_type = std::chrono::steady_clock;

// An error reply is a small JSON document; more than this is kept no further.
constexpr std::size_t max_error_body_bytes = 64 << 10;

// After a stream that ended without a single message, the next connection waits this long,
// so that a node that ends every stream at once (one that is shutting down) is not hammered.
constexpr std::chrono::milliseconds empty_stream_pause{1000};

// How one connection ended.
struct connection_end {
  int status = 0;  // 0 when no reply head arrived
  httplib::Error error = httplib::Error::Success;
  std::string error_body;    // of a reply other than 200
  std::size_t messages = 0;  // events and resets it delivered
};

bool is_event_stream(const httplib::Response& reply) {
  return reply.get_header_value("Content-Type").starts_with("text/event-stream");
}

class sse_session {
 public:
  sse_session(const endpoint& node, const sse_watch_options& options,
              const sse_watch_handlers& handlers)
      : node_(node), options_(options), handlers_(handlers) {
    if (options.since_rev) last_event_id_ = std::to_string(*options.since_rev);
  }

  [[noreturn]] void run() {
    connection_end end = connect_once();
    if (end.status != 200) fail(end);
    for (;;) {
      const std::string reason = drop_reason(end);
      // Resuming after a known event loses nothing, so such a drop is reported only if the
      // node does not take the watch back at once; without a resume point, always.
      bool reported = !last_event_id_;
      if (reported) handlers_.on_reconnect(reason, last_event_id_);
      if (end.messages == 0) std::this_thread::sleep_for(empty_stream_pause);
      end = reconnect(reason, reported);
    }
  }

 private:
  // Retries with growing pauses until a connection is answered with 200 and then ends, or
  // until `reconnect_for` has passed without one.
  connection_end reconnect(const std::string& drop, bool reported) {
    const auto give_up_at = clock_type::now() + options_.reconnect_for;
    auto pause = std::chrono::milliseconds(100);
    for (;;) {
      connection_end end = connect_once();
      if (end.status == 200) return end;
      if (!reported) handlers_.on_reconnect(drop, last_event_id_);
      reported = true;
      // 503: the node is starting or draining; another may soon answer at the same address.
      const bool retryable = end.status == 0 || end.status == 503;
      if (!retryable || clock_type::now() + pause > give_up_at) fail(end);
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    }
  }

  // One GET /v1/watch, streamed to the handlers until the connection ends.
  connection_end connect_once() {
    auto http = make_http_client(node_, options_.connect_timeout);
    http->set_read_timeout(options_.idle_timeout);
    http->set_keep_alive(false);
    httplib::Headers headers;
    // The node reads Last-Event-ID as it reads ?since_rev, so a --since-rev start goes this way
    // too.
    if (last_event_id_) headers.emplace("Last-Event-ID", *last_event_id_);
    connection_end end;
    sse_parser parser;
    std::exception_ptr failure;
    std::optional<std::string> wrong_type;
    const auto on_head = [&](const httplib::Response& reply) {
      end.status = reply.status;
      if (reply.status == 200 && !is_event_stream(reply)) {
        wrong_type = reply.get_header_value("Content-Type");
        return false;
      }
      return true;
    };
    const auto on_body = [&](const char* data, std::size_t size) {
      if (end.status != 200) {
        const std::size_t room = max_error_body_bytes - end.error_body.size();
        end.error_body.append(data, std::min(size, room));
        return true;
      }
      try {
        for (const auto& message : parser.feed({data, size})) {
          take(message);
          ++end.messages;
        }
        return true;
      } catch (...) {
        // httplib is not told why; the exception is rethrown once it has unwound.
        failure = std::current_exception();
        return false;
      }
    };
    const auto result =
        http->Get(node_.base_path + watch_target(options_.prefix), headers, on_head, on_body);
    if (failure) std::rethrow_exception(failure);
    if (wrong_type) {
      // Something else answers at the URL; no reconnection will change that.
      throw std::runtime_error("unexpected reply from the server: /v1/watch answered with `" +
                               *wrong_type + "`, not an event stream");
    }
    if (!result) end.error = result.error();
    return end;
  }

  void take(const sse_message& message) {
    if (!message.has_data) {
      // Only a new resume point.
    } else if (message.event == "reset") {
      take_reset(message.data);
    } else if (message.event.empty()) {
      handlers_.on_event(message.data);
    }
    // Only a handled message moves the resume point, so a failing handler gets it again.
    if (message.last_event_id) last_event_id_ = message.last_event_id;
  }

  void take_reset(const std::string& data) {
    const auto json = nlohmann::json::parse(data, nullptr, false);
    try {
      handlers_.on_reset(json.at("rev").get<std::uint64_t>(),
                         json.at("oldest_rev").get<std::uint64_t>());
    } catch (const nlohmann::json::exception&) {
      throw std::runtime_error("unexpected reset event from the node: " + data);
    }
  }

  std::string drop_reason(const connection_end& end) const {
    if (end.error == httplib::Error::Success) return "the node ended the stream";
    if (end.error == httplib::Error::Read) {
      return "the connection closed, or nothing came for " +
             std::to_string(options_.idle_timeout.count() / 1000) + " s";
    }
    return "the connection failed (" + httplib::to_string(end.error) + ")";
  }

  [[noreturn]] void fail(const connection_end& end) const {
    if (end.status == 0) throw_unreachable(end.error, node_);
    if (end.status != 200) throw_server_error(end.status, end.error_body);
    throw unreachable_error(drop_reason(end));
  }

  const endpoint& node_;
  const sse_watch_options& options_;
  const sse_watch_handlers& handlers_;
  std::optional<std::string> last_event_id_;
};

}  // namespace

void watch_over_sse(const endpoint& node, const sse_watch_options& options,
                    const sse_watch_handlers& handlers) {
  sse_session(node, options, handlers).run();
}

}  // namespace kv::client
