// Publishing, history and fan-out, and the resumption of watchers. Everything a watcher gets
// is decided in this one actor, so a replay and the live events after it can neither overlap
// nor leave a gap: while a watcher catches up it gets no live events, and the last replay
// page ends exactly at the newest event published.
#include "actors/broker.hpp"

#include <caf/all.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed_messages.hpp"
#include "actors/watcher.hpp"
#include "core/event_history.hpp"

namespace kv {
namespace {

// One replay page: small enough to be written as a few chunks, and the scan bound keeps one
// page of a rare prefix from stalling the broker on a long history.
constexpr event_history::slice_limits replay_page_limits{1000, 1 << 20, 10000};

struct watch_entry {
  caf::actor watcher;
  std::string prefix;
  // What it has not written yet, and whether it was cut (told it is too slow: it gets nothing
  // more, and is forgotten once it is down).
  std::shared_ptr<watcher_link> link;
  // Set while the watcher catches up: the rev its replay has reached.
  std::optional<std::uint64_t> replayed_up_to;
};

class feed_broker : public caf::event_based_actor {
 public:
  feed_broker(caf::actor_config& config, feed_options options,
              std::shared_ptr<feed_counters> counters)
      : caf::event_based_actor(config),
        options_(options),
        counters_(std::move(counters)),
        history_(options.history_events, options.history_bytes) {}

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& down) { forget(down.source); });
    return {
        [this](applied_change& change) { publish(std::move(change)); },
        [this](applied_changes& batch) {
          for (auto& change : batch.changes) publish(std::move(change));
        },
        [this](caf::flush_atom) { flush_publishers(); },
        [this](open_watch& open) { start_watch(open); },
        [this](next_page_atom) {
          continue_replay(caf::actor_cast<caf::actor_addr>(current_sender()));
        },
        [this](publisher_joined& joined) { publishers_.push_back(std::move(joined.publisher)); },
        [this](caf::close_atom) { close_watches(); },
        [this](start_rev_atom, std::uint64_t rev) {
          // Cluster mode: a restored snapshot moves rev; the history before it no longer joins.
          if (rev != last_rev_ && last_rev_ != 0) {
            history_ = event_history(options_.history_events, options_.history_bytes);
          }
          last_rev_ = rev;
        },
    };
  }

  void on_exit() override {
    for (const auto& [address, entry] : watches_) {
      caf::anon_send_exit(entry.watcher, caf::exit_reason::user_shutdown);
    }
    for (const auto& publisher : publishers_) {
      caf::anon_send_exit(publisher, caf::exit_reason::user_shutdown);
    }
  }

 private:
  void publish(applied_change&& change) {
    if (change.op == change_op::expire) counters_->expired.fetch_add(1, std::memory_order_relaxed);
    const feed_event_ptr event = make_feed_event(std::move(change), ++last_rev_);
    counters_->events.fetch_add(1, std::memory_order_relaxed);
    history_.append(event);
    if (!publishers_.empty()) {
      // The flush queues behind every change already in the mailbox: they join this batch.
      if (unpublished_.empty()) send(this, caf::flush_atom::value);
      unpublished_.push_back(event);
    }
    for (const auto& [address, entry] : watches_) {
      watcher_link& link = *entry.link;
      if (link.cut.load(std::memory_order_relaxed) || entry.replayed_up_to ||
          !event->key.starts_with(entry.prefix)) {
        continue;
      }
      // Checked here rather than by the watcher: one that is not scheduled for a while would
      // otherwise hold every event sent meanwhile in its mailbox.
      if (link.unwritten_events.load(std::memory_order_relaxed) >= options_.watch_queue_events ||
          link.unwritten_bytes.load(std::memory_order_relaxed) + event->bytes() >
              options_.watch_queue_bytes) {
        cut(entry);
        continue;
      }
      link.sent(*event);
      send(entry.watcher, live_event{event});
    }
  }

  // The watcher's client is not keeping up: its stream is closed, and it can resume with
  // Last-Event-ID as long as the history retains what it missed.
  void cut(const watch_entry& entry) {
    entry.link->cut.store(true, std::memory_order_relaxed);
    counters_->watches_cut.fetch_add(1, std::memory_order_relaxed);
    send(entry.watcher, too_slow_atom::value);
  }

  void flush_publishers() {
    if (unpublished_.empty()) return;
    for (std::size_t i = 0; i + 1 < publishers_.size(); ++i) {
      send(publishers_[i], live_events{unpublished_});
    }
    send(publishers_.back(), live_events{std::move(unpublished_)});
    unpublished_ = {};
  }

  void start_watch(open_watch& open) {
    if (closing_) return open.output->finish();
    auto link = std::make_shared<watcher_link>();
    const caf::actor watcher = spawn_watcher(home_system(), caf::actor_cast<caf::actor>(this),
                                             std::move(open.output), options_, link);
    monitor(watcher);
    auto& entry = watches_[watcher.address()];
    entry = {watcher, std::move(open.request.prefix), std::move(link), std::nullopt};
    counters_->watches.store(static_cast<std::int64_t>(watches_.size()));
    const auto after = open.request.after_rev;
    if (!after) return send(watcher, watch_start{last_rev_});
    if (!history_.retains_after(*after, last_rev_)) {
      send(watcher, resume_reset{last_rev_, history_.oldest_rev()});
    } else if (*after < last_rev_) {
      entry.replayed_up_to = *after;
      send_replay_page(entry);
    }
  }

  void continue_replay(const caf::actor_addr& watcher) {
    const auto found = watches_.find(watcher);
    if (found == watches_.end() || found->second.link->cut.load(std::memory_order_relaxed) ||
        !found->second.replayed_up_to) {
      return;
    }
    send_replay_page(found->second);
  }

  void send_replay_page(watch_entry& entry) {
    if (!history_.retains_after(*entry.replayed_up_to, last_rev_)) return cut(entry);
    auto page = history_.collect(*entry.replayed_up_to, entry.prefix, replay_page_limits);
    const bool complete = page.last_looked_at == last_rev_;
    entry.replayed_up_to =
        complete ? std::nullopt : std::optional<std::uint64_t>(page.last_looked_at);
    for (const auto& event : page.events) entry.link->sent(*event);
    send(entry.watcher, replay_page{std::move(page.events), complete});
  }

  void close_watches() {
    closing_ = true;
    for (const auto& [address, entry] : watches_) send(entry.watcher, caf::close_atom::value);
  }

  void forget(const caf::actor_addr& watcher) {
    watches_.erase(watcher);
    counters_->watches.store(static_cast<std::int64_t>(watches_.size()));
  }

  feed_options options_;
  std::shared_ptr<feed_counters> counters_;
  event_history history_;
  std::uint64_t last_rev_ = 0;
  std::vector<caf::actor> publishers_;
  std::vector<feed_event_ptr> unpublished_;  // for the publishers, until the flush comes
  std::map<caf::actor_addr, watch_entry> watches_;
  bool closing_ = false;
};

}  // namespace

caf::actor spawn_broker(caf::actor_system& system, const feed_options& options,
                        std::shared_ptr<feed_counters> counters) {
  return system.spawn<feed_broker>(options, std::move(counters));
}

}  // namespace kv
