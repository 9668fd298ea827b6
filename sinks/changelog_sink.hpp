// The change log (contract section 13): every event the broker publishes, in rev order, into
// a table, by a thread of its own that writes batches from the bounded backlog. Writes never
// wait for it: the feed only appends to the backlog. The table is reached through a
// changelog_store (PostgreSQL in postgres_changelog.hpp; tests use a fake), so that everything
// about batching, reconnecting, resuming and gaps is here and testable without a database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "actors/feed_api.hpp"
#include "sinks/changelog_backlog.hpp"

namespace kv::changelog {

// One connection to the table. Any call may throw (std::exception): the sink then drops this
// store and opens a new one after a pause.
class changelog_store {
 public:
  virtual ~changelog_store() = default;
  // Creates the tables when missing and returns the table's last rev (0 when empty).
  virtual std::uint64_t open() = 0;
  // One transaction: the gap row (when set), then one row per event, in rev order.
  virtual void write(const std::optional<rev_range>& gap,
                     std::span<const feed_event_ptr> events) = 0;
  // Where it writes, for the log (never the password).
  virtual std::string describe() const = 0;
};
using store_factory = std::function<std::unique_ptr<changelog_store>()>;

struct sink_options {
  backlog_limits limits;
  std::size_t batch_events = 5000;     // at most this many rows per transaction
  std::size_t batch_bytes = 8u << 20;  // and about this much event JSON
  // While batches are not full, a transaction begins at most this often: each costs PostgreSQL
  // 200-300 µs of CPU (BEGIN, the COPY's set-up, COMMIT and its WAL flush) whatever its size,
  // so under a steady load rows go thousands at a time. 50 ms rather than 10 cut PostgreSQL's
  // CPU a row by a fifth at 40,000-55,000 rows/s; 100 ms cut no more. The table lags by as
  // much more; a lone write after a quiet spell still goes at once.
  std::chrono::milliseconds batch_interval{50};
  std::chrono::milliseconds retry_min{100};   // the first pause after a failure, doubling
  std::chrono::milliseconds retry_max{2000};  // up to this
  // A table ahead of the node is looked at again this often.
  std::chrono::milliseconds diverged_retry{10000};
};

class changelog_sink : public std::enable_shared_from_this<changelog_sink> {
 public:
  changelog_sink(sink_options options, store_factory make_store);
  ~changelog_sink();
  changelog_sink(const changelog_sink&) = delete;
  changelog_sink& operator=(const changelog_sink&) = delete;

  // The feed's side: never waits on the writer or the database.
  void offer(feed_event_ptr event) { backlog_.push(std::move(event)); }
  void offer(std::span<const feed_event_ptr> events) { backlog_.push(events); }

  // An event_publisher that offers every event here: for feed_api::add_publisher.
  std::unique_ptr<event_publisher> make_publisher();

  // Starts the writer thread, once the node knows its rev (after recovery): revs up to
  // `node_rev` were published before this sink saw any.
  void start(std::uint64_t node_rev);

  // Writes what it can until the backlog is empty or `grace` has passed, then stops the writer.
  // Returns whether everything published reached the table.
  bool stop(std::chrono::milliseconds grace);

  std::shared_ptr<const changelog_counters> counters() const { return counters_; }

 private:
  void run();
  // Opens a store and resumes the backlog from the table; null when it failed (after logging).
  std::unique_ptr<changelog_store> connect(bool& diverged);
  void pause(std::chrono::milliseconds duration);
  // Until `until`, or until a stop is asked for (a stopping writer drains at once).
  void hold_until(std::chrono::steady_clock::time_point until);
  bool stopping();

  sink_options options_;
  store_factory make_store_;
  std::shared_ptr<changelog_counters> counters_;
  backlog backlog_;
  std::thread writer_;
  std::mutex state_mutex_;
  std::condition_variable state_changed_;
  bool stop_requested_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  bool finished_ = false;
  // The writer's: when a failure to connect was last logged, and how many were not since.
  std::chrono::steady_clock::time_point last_failure_logged_{};
  std::uint64_t failures_unlogged_ = 0;
  std::chrono::steady_clock::time_point last_diverged_logged_{};
};

}  // namespace kv::changelog
