// The writer thread: connect, resume from the table's last rev, then write batch after batch;
// on any failure give the batch back, pause (doubling up to a limit) and start over. Every
// decision about what to skip and what is a gap is the backlog's.
#include "sinks/changelog_sink.hpp"

#include <spdlog/spdlog.h>

#include "core/thread_name.hpp"

namespace kv::changelog {
namespace {

using clock_type = std::chrono::steady_clock;

// Repeated connection failures are logged at most this often.
constexpr auto failure_log_interval = std::chrono::seconds(30);

class sink_publisher : public event_publisher {
 public:
  explicit sink_publisher(std::shared_ptr<changelog_sink> sink) : sink_(std::move(sink)) {}
  bool publish(const feed_event_ptr& event) override {
    sink_->offer(event);
    return true;  // losses are the change log's own gap events, not a subscriber's drops
  }
  std::size_t publish_all(const std::vector<feed_event_ptr>& events) override {
    sink_->offer(std::span<const feed_event_ptr>(events));
    return 0;
  }

 private:
  std::shared_ptr<changelog_sink> sink_;
};

}  // namespace

changelog_sink::changelog_sink(sink_options options, store_factory make_store)
    : options_(options),
      make_store_(std::move(make_store)),
      counters_(std::make_shared<changelog_counters>()),
      backlog_(options.limits, counters_) {}

changelog_sink::~changelog_sink() {
  if (!writer_.joinable()) return;
  {
    const std::lock_guard lock(state_mutex_);
    stop_requested_ = true;
    stop_deadline_ = clock_type::now();
  }
  backlog_.wake();
  state_changed_.notify_all();
  // The writer holds the last reference when stop() gave up waiting for it.
  if (writer_.get_id() == std::this_thread::get_id()) {
    writer_.detach();
  } else {
    writer_.join();
  }
}

std::unique_ptr<event_publisher> changelog_sink::make_publisher() {
  return std::make_unique<sink_publisher>(shared_from_this());
}

void changelog_sink::start(std::uint64_t node_rev) {
  backlog_.set_start_rev(node_rev);
  writer_ = named_thread("kv.changelog", [self = shared_from_this()] { self->run(); });
}

bool changelog_sink::stop(std::chrono::milliseconds grace) {
  if (!writer_.joinable()) return backlog_.idle();
  std::unique_lock lock(state_mutex_);
  stop_requested_ = true;
  stop_deadline_ = clock_type::now() + grace;
  lock.unlock();
  backlog_.wake();
  state_changed_.notify_all();
  lock.lock();
  // A writer stuck in a database call cannot be interrupted: it is left behind, holding what
  // it needs, rather than holding up the node's exit.
  const bool finished = state_changed_.wait_until(lock, stop_deadline_ + std::chrono::seconds(2),
                                                  [this] { return finished_; });
  lock.unlock();
  if (finished) {
    writer_.join();
  } else {
    spdlog::warn("change log: the writer is still busy with the database; not waiting for it");
    writer_.detach();
  }
  const bool complete = backlog_.idle();
  if (!complete) {
    spdlog::warn(
        "change log: stopping {} events behind the node; the next start records them "
        "as a gap",
        counters_->lag());
  }
  return complete;
}

bool changelog_sink::stopping() {
  const std::lock_guard lock(state_mutex_);
  return stop_requested_;
}

// Until `duration` has passed, or the stop deadline, whichever comes first.
void changelog_sink::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(state_mutex_);
  const auto until = clock_type::now() + duration;
  for (;;) {
    const auto effective = stop_requested_ ? std::min(until, stop_deadline_) : until;
    if (clock_type::now() >= effective) return;
    state_changed_.wait_until(lock, effective);
  }
}

void changelog_sink::hold_until(clock_type::time_point until) {
  std::unique_lock lock(state_mutex_);
  state_changed_.wait_until(lock, until, [this] { return stop_requested_; });
}

std::unique_ptr<changelog_store> changelog_sink::connect(bool& diverged) {
  diverged = false;
  std::unique_ptr<changelog_store> store;
  try {
    store = make_store_();
    const std::uint64_t table_rev = store->open();
    if (backlog_.resume(table_rev) == resume_outcome::diverged) {
      diverged = true;
      counters_->failures.fetch_add(1, std::memory_order_relaxed);
      const auto now = clock_type::now();
      if (last_diverged_logged_ == clock_type::time_point{} ||
          now - last_diverged_logged_ >= failure_log_interval) {
        last_diverged_logged_ = now;
        spdlog::error(
            "change log: {} holds revs up to {} but this node has published only up to {}: it "
            "is another node's log, or this node's from before it lost its data; nothing is "
            "written to it (empty the table, or rebuild this node with --restore-from-postgres)",
            store->describe(), table_rev, counters_->newest_rev.load());
      }
      return nullptr;
    }
    last_diverged_logged_ = {};
    spdlog::info("change log: writing to {}, whose last rev is {}; the node is at rev {}",
                 store->describe(), table_rev, counters_->newest_rev.load());
    counters_->connected.store(true);
    failures_unlogged_ = 0;
    last_failure_logged_ = {};
    return store;
  } catch (const std::exception& error) {
    counters_->failures.fetch_add(1, std::memory_order_relaxed);
    const auto now = clock_type::now();
    if (last_failure_logged_ == clock_type::time_point{} ||
        now - last_failure_logged_ >= failure_log_interval) {
      spdlog::warn("change log: cannot reach {}{}: {}; {} events wait (at most {})",
                   store ? store->describe() : std::string("the database"),
                   failures_unlogged_ > 0
                       ? " (" + std::to_string(failures_unlogged_ + 1) + " attempts)"
                       : std::string(),
                   error.what(), counters_->waiting.load(), options_.limits.max_events);
      last_failure_logged_ = now;
      failures_unlogged_ = 0;
    } else {
      ++failures_unlogged_;
    }
    return nullptr;
  }
}

void changelog_sink::run() {
  std::unique_ptr<changelog_store> store;
  auto retry = options_.retry_min;
  const auto past_deadline = [this] {
    const std::lock_guard lock(state_mutex_);
    return stop_requested_ && clock_type::now() >= stop_deadline_;
  };
  while (!past_deadline()) {
    if (!store) {
      bool diverged = false;
      store = connect(diverged);
      if (!store) {
        pause(diverged ? options_.diverged_retry : retry);
        retry = std::min(retry * 2, options_.retry_max);
        continue;
      }
      retry = options_.retry_min;
    }
    if (stopping() && backlog_.idle()) break;
    batch next = backlog_.take(options_.batch_events, options_.batch_bytes,
                               clock_type::now() + std::chrono::milliseconds(200));
    if (next.empty()) continue;
    const auto began = clock_type::now();
    try {
      store->write(next.gap, next.events);
      if (next.gap) {
        spdlog::warn(
            "change log: revs {} to {} ({} events) never reached the table: recorded as a gap in "
            "kv_changes_gaps",
            next.gap->first, next.gap->last, next.gap->size());
      }
      backlog_.committed(next);
      if (next.events.size() < options_.batch_events) hold_until(began + options_.batch_interval);
    } catch (const std::exception& error) {
      counters_->failures.fetch_add(1, std::memory_order_relaxed);
      counters_->connected.store(false);
      spdlog::warn("change log: writing revs {} to {} failed, retrying: {}",
                   next.gap ? next.gap->first : next.events.front()->rev, next.last_rev(),
                   error.what());
      backlog_.failed(std::move(next));
      store.reset();
      pause(retry);
    }
  }
  counters_->connected.store(false);
  store.reset();
  {
    const std::lock_guard lock(state_mutex_);
    finished_ = true;
  }
  state_changed_.notify_all();
}

}  // namespace kv::changelog
