// The change log's bounded backlog: every event the node published that the kv_changes table
// does not hold yet, in rev order, between the feed (which must never wait) and the one thread
// that writes to PostgreSQL. It also decides, from the table's last rev, what the writer must
// skip (already in the table) and what it must record as a gap (gone before it was written).
//
// Thread-safe: push() is the feed's side and only ever takes a short lock; the other calls are
// the writer's, one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/feed_event.hpp"

namespace kv::changelog {

// Inclusive.
struct rev_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t size() const { return last - first + 1; }
  friend bool operator==(const rev_range&, const rev_range&) = default;
};

struct backlog_limits {
  std::size_t max_events = 1000000;    // changelog.max_backlog_events
  std::size_t max_bytes = 256u << 20;  // changelog.max_backlog_bytes
};

// Read by the metrics at scrape time; written under the backlog's lock (or by the writer).
struct changelog_counters {
  std::atomic<std::uint64_t> newest_rev{0};     // the newest rev the node published
  std::atomic<std::uint64_t> table_rev{0};      // the table's last rev, as last seen or written
  std::atomic<bool> table_known{false};         // table_rev was read from the table at least once
  std::atomic<std::uint64_t> waiting{0};        // events in the backlog, batch in flight included
  std::atomic<std::uint64_t> written{0};        // rows written (committed)
  std::atomic<std::uint64_t> batches{0};        // transactions committed
  std::atomic<std::uint64_t> gap_events{0};     // events that will never be in the table
  std::atomic<std::uint64_t> gaps_recorded{0};  // gap rows written to kv_changes_gaps
  std::atomic<std::uint64_t> failures{0};       // failed connects and transactions
  std::atomic<bool> connected{false};

  // How many events the table is behind the node: revs it does not hold yet, up to the newest
  // published (events lost to a gap count until the gap is recorded). Before the table was first
  // read, the events waiting.
  std::uint64_t lag() const {
    if (!table_known.load(std::memory_order_relaxed)) {
      return waiting.load(std::memory_order_relaxed);
    }
    const auto newest = newest_rev.load(std::memory_order_relaxed);
    const auto table = table_rev.load(std::memory_order_relaxed);
    return newest > table ? newest - table : 0;
  }
};

// What one transaction writes: first the gap row (when revs between the table's last and the
// first event are gone), then the events' rows, all in rev order.
struct batch {
  std::optional<rev_range> gap;
  std::uint64_t gap_uncounted = 0;  // of the gap's events, those not counted when evicted
  std::vector<feed_event_ptr> events;
  bool empty() const { return !gap && events.empty(); }
  // The table's last rev once this batch is committed.
  std::uint64_t last_rev() const { return events.empty() ? gap->last : events.back()->rev; }
};

// What the writer learns when it (re)opens the table.
enum class resume_outcome {
  ok,        // the events after the table's last rev go on from there
  diverged,  // the table holds revs this node never published: another node's, or an older life
};

class backlog {
 public:
  backlog(backlog_limits limits, std::shared_ptr<changelog_counters> counters);

  // The feed's side: never waits for the writer. When a bound is passed, the oldest events are
  // dropped and counted as gap events (they are recorded as a gap once the table is reachable).
  void push(feed_event_ptr event);
  // The same for the events of one message from the broker, under one lock and one wake-up.
  void push(std::span<const feed_event_ptr> events);

  // The node's rev when the sink started: revs up to it were published before (0 for a new
  // node). Events pushed before this call may already be newer.
  void set_start_rev(std::uint64_t rev);

  // The writer opened the table and found `table_rev` its last rev. Drops what the table holds.
  resume_outcome resume(std::uint64_t table_rev);

  // Waits until there is something to write (events, or a gap to record), `wake()` is called,
  // or `until` passes; then hands out up to `max_events` events and `max_bytes` of JSON (at
  // least one event), in flight until committed() or failed(). Only after resume().
  batch take(std::size_t max_events, std::size_t max_bytes,
             std::chrono::steady_clock::time_point until);

  // The batch handed out is in the table.
  void committed(const batch& written);
  // The batch handed out is not in the table (or maybe it is: resume() sorts that out). Its
  // events go back in front, and the bounds apply again.
  void failed(batch&& returned);

  // Wakes a writer waiting in take().
  void wake();

  // Whether anything waits to be written: events, or a gap the table does not record yet.
  bool idle() const;
  std::size_t size() const;

 private:
  void evict_over_limits();                                    // with the lock held
  std::uint64_t newest_rev() const;                            // with the lock held
  void publish_sizes();                                        // with the lock held
  void forget_evicted_through(std::uint64_t rev);              // with the lock held
  std::uint64_t evicted_within(const rev_range& range) const;  // with the lock held

  const backlog_limits limits_;
  std::shared_ptr<changelog_counters> counters_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<feed_event_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t in_flight_ = 0;  // events of the batch handed out
  std::uint64_t start_rev_ = 0;
  std::uint64_t pushed_rev_ = 0;  // the newest event pushed
  // Events evicted (and counted) that the table has not moved past yet, ascending and
  // disjoint: usually one range right before the queue, two when a batch was out meanwhile.
  std::vector<rev_range> evicted_;
  // The table's last rev, once resume() told it.
  std::optional<std::uint64_t> table_rev_;
  bool woken_ = false;
};

}  // namespace kv::changelog
