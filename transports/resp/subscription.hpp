// One SUBSCRIBE channel or PSUBSCRIBE pattern of a RESP connection: a watch stream of the
// change feed whose events become `message` or `pmessage` replies pushed to the connection.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed_api.hpp"
#include "auth/live_grant.hpp"
#include "transports/resp/connection.hpp"
#include "transports/resp/glob.hpp"
#include "transports/resp/protocol.hpp"

namespace kv::resp {

class subscription : public watch_output {
 public:
  // `grant`: with tokens, the subscriber's, which follows SIGHUP reloads of the tokens file.
  subscription(connection_ptr conn, std::string channel, bool pattern,
               std::optional<auth::live_grant> grant)
      : conn_(std::move(conn)),
        counters_(conn_->state().feed.counters()),
        channel_(std::move(channel)),
        pattern_(pattern),
        plan_(plan_glob(channel_)),
        grant_(std::move(grant)) {
    counters_->resp_watches.fetch_add(1, std::memory_order_relaxed);
  }
  ~subscription() override { counters_->resp_watches.fetch_sub(1, std::memory_order_relaxed); }
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;

  // The prefix the feed is asked for.
  std::string prefix() const { return pattern_ ? plan_.prefix : channel_; }
  void deactivate() { active_.store(false, std::memory_order_release); }

  void send_events(const std::vector<feed_event_ptr>& events,
                   std::function<void()> written) override {
    if (!active_.load(std::memory_order_acquire)) return written();
    const auth::token_grant* grant = nullptr;
    if (grant_ && (grant = grant_->current()) == nullptr) return end_revoked(std::move(written));
    std::string bytes;
    for (const auto& event : events) {
      if (grant != nullptr && !grant->may_read(event->key)) continue;
      if (pattern_) {
        if (plan_.needs_match && !glob_match(channel_, event->key)) continue;
        append_array_header(bytes, 4);
        append_bulk(bytes, "pmessage");
        append_bulk(bytes, channel_);
        append_bulk(bytes, event->key);
      } else {
        append_array_header(bytes, 3);
        append_bulk(bytes, "message");
        append_bulk(bytes, channel_);
      }
      append_bulk(bytes, event->json);
    }
    if (bytes.empty()) return written();
    conn_->push(std::move(bytes), std::move(written));
  }
  // The RESP feed never resumes, so there is no reset and no position to send.
  void send_reset(std::uint64_t, std::uint64_t, std::function<void()> written) override {
    written();
  }
  void send_position(std::uint64_t, std::function<void()> written) override { written(); }
  void send_heartbeat(std::function<void()> written) override {
    if (grant_ && grant_->current() == nullptr) return end_revoked(std::move(written));
    written();
  }
  bool connected() const override {
    return active_.load(std::memory_order_acquire) && conn_->open();
  }
  void finish() override {
    deactivate();
    conn_->close_when_idle();
  }
  void disconnect() override {
    // The watcher counted it among the SSE streams cut; the feed's metrics take it back out.
    counters_->resp_watcher_cuts.fetch_add(1, std::memory_order_relaxed);
    deactivate();
    conn_->cut_subscriber();
  }

 private:
  // A reload took the token out of the file: as Redis does with the clients of a deleted user,
  // the connection ends rather than keep a subscription no token allows.
  void end_revoked(std::function<void()> written) {
    deactivate();
    conn_->close_when_idle();
    written();
  }

  const connection_ptr conn_;
  const std::shared_ptr<const feed_counters> counters_;
  const std::string channel_;
  const bool pattern_;
  const glob_plan plan_;
  std::optional<auth::live_grant> grant_;  // called from the feed's watcher only
  std::atomic<bool> active_{true};
};

}  // namespace kv::resp
