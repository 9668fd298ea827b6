// The watcher's queue and write loop. Only one write is outstanding at a time: the next starts
// when the client's connection has taken the last one, which is what bounds the memory that
// the HTTP layer holds for a slow client to a single chunk. The broker bounds the queue.
#include "actors/watcher.hpp"

#include <caf/all.hpp>
#include <deque>
#include <optional>

#include "actors/feed_messages.hpp"

namespace kv {
namespace {

// Events written together: each write waits for the connection to take the one before, so a
// busy stream moves as much as this per round trip through the HTTP thread.
constexpr std::size_t chunk_bytes = 256 << 10;

class watcher : public caf::event_based_actor {
 public:
  watcher(caf::actor_config& config, caf::actor broker, std::shared_ptr<watch_output> output,
          feed_options options, std::shared_ptr<watcher_link> link)
      : caf::event_based_actor(config),
        broker_(std::move(broker)),
        output_(std::move(output)),
        options_(options),
        link_(std::move(link)) {}

  caf::behavior make_behavior() override {
    schedule_liveness_check();
    return {
        [this](live_event& msg) { push_live(std::move(msg.event)); },
        [this](replay_page& page) { take_page(page); },
        [this](watch_start& start) {
          start_ = start.rev;
          write_next();
        },
        [this](resume_reset& reset) {
          reset_ = reset;
          write_next();
        },
        // The broker cut the stream (and counted it): on_exit closes the connection.
        [this](too_slow_atom) { quit(); },
        [this](written_atom) {
          writing_ = false;
          write_next();
        },
        [this](caf::tick_atom) { check_liveness(); },
        [this](caf::close_atom) { finish(); },
    };
  }

  void on_exit() override {
    // The client does not read: its queue is dropped with its connection, however the watcher
    // came to stop. The client can resume with Last-Event-ID as long as the node retains what
    // it missed.
    if (link_->cut.load(std::memory_order_relaxed)) output_->disconnect();
    // Releases the stream (and its HTTP exchange) now, not when the last handle to this actor
    // goes away.
    output_.reset();
  }

 private:
  void push_live(feed_event_ptr event) {
    queue_.push_back(std::move(event));
    write_next();
  }

  void take_page(replay_page& page) {
    catching_up_ = !page.complete;
    page_requested_ = false;
    for (auto& event : page.events) queue_.push_back(std::move(event));
    write_next();
  }

  void write_next() {
    if (writing_) return;
    if (start_) {
      output_->send_position(*start_, on_written());
      start_.reset();
    } else if (reset_) {
      output_->send_reset(reset_->rev, reset_->oldest_rev, on_written());
      reset_.reset();
    } else if (!queue_.empty()) {
      output_->send_events(take_chunk(), on_written());
    } else {
      if (catching_up_ && !page_requested_) {
        send(broker_, next_page_atom::value);
        page_requested_ = true;
      }
      return;
    }
    writing_ = true;
    last_write_ = std::chrono::steady_clock::now();
  }

  std::vector<feed_event_ptr> take_chunk() {
    std::vector<feed_event_ptr> chunk;
    std::size_t bytes = 0;
    while (!queue_.empty() && (chunk.empty() || bytes + queue_.front()->bytes() <= chunk_bytes)) {
      bytes += queue_.front()->bytes();
      chunk.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    link_->written(chunk.size(), bytes);
    return chunk;
  }

  // Runs on an HTTP thread. It holds the watcher's address, not a handle, so that a write the
  // connection never completes does not keep the actor alive.
  std::function<void()> on_written() {
    return [watcher = address()] {
      if (auto self = caf::actor_cast<caf::actor>(watcher)) {
        caf::anon_send(self, written_atom::value);
      }
    };
  }

  void check_liveness() {
    if (!output_->connected()) return quit();
    if (!writing_ &&
        std::chrono::steady_clock::now() - last_write_ >= options_.heartbeat_interval) {
      output_->send_heartbeat(on_written());
      writing_ = true;
      last_write_ = std::chrono::steady_clock::now();
    }
    schedule_liveness_check();
  }

  void schedule_liveness_check() {
    delayed_send(this, options_.liveness_interval, caf::tick_atom::value);
  }

  // The node drains: what is queued goes out with the end of the stream, without waiting.
  void finish() {
    if (start_) output_->send_position(*start_, {});
    if (reset_) output_->send_reset(reset_->rev, reset_->oldest_rev, {});
    if (!queue_.empty()) {
      output_->send_events(std::vector<feed_event_ptr>(queue_.begin(), queue_.end()), {});
    }
    output_->finish();
    quit();
  }

  caf::actor broker_;
  std::shared_ptr<watch_output> output_;
  feed_options options_;
  std::shared_ptr<watcher_link> link_;
  std::deque<feed_event_ptr> queue_;
  std::optional<std::uint64_t> start_;
  std::optional<resume_reset> reset_;
  bool writing_ = false;
  bool catching_up_ = false;
  bool page_requested_ = false;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
};

}  // namespace

caf::actor spawn_watcher(caf::actor_system& system, caf::actor broker,
                         std::shared_ptr<watch_output> output, const feed_options& options,
                         std::shared_ptr<watcher_link> link) {
  return system.spawn<watcher>(std::move(broker), std::move(output), options, std::move(link));
}

}  // namespace kv
