// GET /v1/watch: the change feed as server-sent events. A new stream starts with "id: REV" of
// the newest event, then each event goes out as "id: REV\ndata: JSON\n\n"; a client resumes
// with Last-Event-ID or ?since_rev=REV.
#include <fmt/format.h>

#include <optional>

#include "auth/live_grant.hpp"
#include "transports/http/chunked_stream.hpp"
#include "transports/http/request_params.hpp"
#include "transports/http/routes.hpp"

namespace kv::http {
namespace {

// One watch stream: SSE framing over a raw chunked response, written from the watcher actor.
class sse_stream : public watch_output {
 public:
  // With a grant, only the events of keys it may read go out, by the rules in force at each
  // event: a SIGHUP that narrows them applies to open streams, one that removes the token ends
  // them (the client's reconnection then gets 401).
  sse_stream(const exchange_ptr& ex, std::optional<auth::live_grant> grant)
      : stream_(ex, 200, "text/event-stream"), grant_(std::move(grant)) {}

  ~sse_stream() override {
    end();  // a stream nobody ended (a message dropped at shutdown) must not leave a client hanging
  }
  sse_stream(const sse_stream&) = delete;
  sse_stream& operator=(const sse_stream&) = delete;

  void send_events(const std::vector<feed_event_ptr>& events,
                   std::function<void()> written) override {
    if (ended_) return;
    const auth::token_grant* grant = grant_ ? grant_->current() : nullptr;
    if (grant_ && grant == nullptr) return end();  // a reload removed the token
    std::string chunk;
    std::size_t size = 0;
    for (const auto& event : events) size += event->json.size() + 32;
    chunk.reserve(size);
    for (const auto& event : events) {
      if (grant != nullptr && !grant->may_read(event->key)) continue;
      fmt::format_to(std::back_inserter(chunk), "id: {}\ndata: ", event->rev);
      chunk += event->json;
      chunk += "\n\n";
    }
    stream_.write(std::move(chunk), std::move(written));
  }

  void send_reset(std::uint64_t rev, std::uint64_t oldest_rev,
                  std::function<void()> written) override {
    if (ended_) return;
    stream_.write(fmt::format("event: reset\nid: {}\ndata: {{\"rev\":{},\"oldest_rev\":{}}}\n\n",
                              rev, rev, oldest_rev),
                  std::move(written));
  }

  // An SSE message with an id and no data is not dispatched, but sets the client's last event
  // id, which EventSource sends back as Last-Event-ID when it reconnects.
  void send_position(std::uint64_t rev, std::function<void()> written) override {
    if (ended_) return;
    stream_.write(fmt::format("id: {}\n\n", rev), std::move(written));
  }

  void send_heartbeat(std::function<void()> written) override {
    if (ended_ || revoked()) return end();
    stream_.write(":\n\n", std::move(written));
  }

  // An ended stream no longer holds the connection, which may carry the client's next request:
  // its watcher must stop, and never cut it.
  bool connected() const override { return !ended_ && stream_.connected(); }

  void finish() override { end(); }

  void disconnect() override {
    if (ended_) return;
    stream_.disconnect();
    end();
  }

 private:
  // Whether a reload removed the stream's token.
  bool revoked() { return grant_ && grant_->current() == nullptr; }

  void end() {
    if (ended_) return;
    ended_ = true;
    stream_.finish();
  }

  chunked_stream stream_;
  std::optional<auth::live_grant> grant_;
  bool ended_ = false;
};

// Last-Event-ID (sent by a reconnecting EventSource) wins over since_rev, which stays in the
// URL the client reconnects to. An empty Last-Event-ID means the client has no event yet.
std::optional<std::uint64_t> resume_after(const Request& request) {
  if (const auto header = request.header("Last-Event-ID"); header && !header->empty()) {
    return parse_unsigned(std::string(*header), "Last-Event-ID");
  }
  return query_unsigned(request, "since_rev");
}

}  // namespace

void serve_watch(const Request& request, const exchange_ptr& ex) {
  watch_request watch;
  watch.prefix = query_text(request, "prefix").value_or("");
  watch.after_rev = resume_after(request);
  std::optional<auth::live_grant> grant;
  if (ex->grant_ptr()) grant.emplace(ex->context().options.tokens, ex->grant_ptr());
  const bool resuming = watch.after_rev.has_value();
  auto open = [ex, watch = std::move(watch), grant = std::move(grant)]() mutable {
    ex->context().feed.watch(std::move(watch), std::make_shared<sse_stream>(ex, std::move(grant)));
  };
  // Cluster mode: the rev to resume after may come from a member that is ahead of this one; a
  // stream opened before this member reached it would be reset instead of resumed.
  const auto& cluster = ex->context().options.cluster;
  if (!cluster || !resuming) return open();
  cluster->linearize([ex, open = std::move(open)](bool ok) mutable {
    if (!ok) return ex->send_error(503, "unavailable", "no leader to catch up with");
    open();
  });
}

}  // namespace kv::http
