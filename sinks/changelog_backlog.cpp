// What is missing between the table's last rev and the first queued event is recorded as one
// gap by the next batch; a batch never goes on past a hole in the revs, so each hole becomes a
// gap row of its own. Evicted events are counted at once, so the ranges evicted are kept until
// the table moves past them: a gap is counted only for the part not counted already.
#include "sinks/changelog_backlog.hpp"

#include <algorithm>

namespace kv::changelog {

backlog::backlog(backlog_limits limits, std::shared_ptr<changelog_counters> counters)
    : limits_(limits), counters_(std::move(counters)) {}

void backlog::push(feed_event_ptr event) {
  push(std::span<const feed_event_ptr>(&event, 1));
}

void backlog::push(std::span<const feed_event_ptr> events) {
  if (events.empty()) return;
  bool notify = false;
  {
    const std::lock_guard lock(mutex_);
    notify = queue_.empty();  // the writer waits only on an empty queue
    for (const auto& event : events) {
      pushed_rev_ = std::max(pushed_rev_, event->rev);
      queued_bytes_ += event->bytes();
      queue_.push_back(event);
    }
    evict_over_limits();
    counters_->newest_rev.store(newest_rev(), std::memory_order_relaxed);
    publish_sizes();
  }
  if (notify) ready_.notify_one();
}

void backlog::set_start_rev(std::uint64_t rev) {
  const std::lock_guard lock(mutex_);
  start_rev_ = rev;
  counters_->newest_rev.store(newest_rev(), std::memory_order_relaxed);
}

resume_outcome backlog::resume(std::uint64_t table_rev) {
  const std::lock_guard lock(mutex_);
  if (table_rev > newest_rev()) {
    table_rev_.reset();
    counters_->table_known.store(false, std::memory_order_relaxed);
    return resume_outcome::diverged;
  }
  // What the table already holds: written by a transaction whose commit was not confirmed.
  while (!queue_.empty() && queue_.front()->rev <= table_rev) {
    queued_bytes_ -= queue_.front()->bytes();
    queue_.pop_front();
  }
  forget_evicted_through(table_rev);
  table_rev_ = table_rev;
  counters_->table_rev.store(table_rev, std::memory_order_relaxed);
  counters_->table_known.store(true, std::memory_order_relaxed);
  publish_sizes();
  return resume_outcome::ok;
}

batch backlog::take(std::size_t max_events, std::size_t max_bytes,
                    std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  batch out;
  if (!table_rev_) return out;
  const auto has_work = [this] { return !queue_.empty() || newest_rev() > *table_rev_; };
  ready_.wait_until(lock, until, [&] { return woken_ || has_work(); });
  woken_ = false;
  if (!has_work()) return out;
  const std::uint64_t next = queue_.empty() ? newest_rev() + 1 : queue_.front()->rev;
  if (next > *table_rev_ + 1) {
    out.gap = rev_range{*table_rev_ + 1, next - 1};
    out.gap_uncounted = out.gap->size() - evicted_within(*out.gap);
  }
  std::size_t bytes = 0;
  while (!queue_.empty() && out.events.size() < max_events &&
         (out.events.empty() || (bytes + queue_.front()->bytes() <= max_bytes &&
                                 queue_.front()->rev == out.events.back()->rev + 1))) {
    bytes += queue_.front()->bytes();
    queued_bytes_ -= queue_.front()->bytes();
    out.events.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  in_flight_ = out.events.size();
  return out;
}

void backlog::committed(const batch& written) {
  const std::lock_guard lock(mutex_);
  in_flight_ = 0;
  if (written.empty()) return;
  table_rev_ = written.last_rev();
  forget_evicted_through(*table_rev_);
  counters_->table_rev.store(*table_rev_, std::memory_order_relaxed);
  counters_->written.fetch_add(written.events.size(), std::memory_order_relaxed);
  counters_->batches.fetch_add(1, std::memory_order_relaxed);
  if (written.gap) {
    counters_->gaps_recorded.fetch_add(1, std::memory_order_relaxed);
    counters_->gap_events.fetch_add(written.gap_uncounted, std::memory_order_relaxed);
  }
  publish_sizes();
}

void backlog::failed(batch&& returned) {
  const std::lock_guard lock(mutex_);
  in_flight_ = 0;
  table_rev_.reset();  // the writer must resume() from the table again
  counters_->table_known.store(false, std::memory_order_relaxed);
  auto& events = returned.events;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    queued_bytes_ += (*it)->bytes();
    queue_.push_front(std::move(*it));
  }
  evict_over_limits();
  publish_sizes();
}

void backlog::wake() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  ready_.notify_all();
}

bool backlog::idle() const {
  const std::lock_guard lock(mutex_);
  return queue_.empty() && in_flight_ == 0 && table_rev_ && *table_rev_ >= newest_rev();
}

std::size_t backlog::size() const {
  const std::lock_guard lock(mutex_);
  return queue_.size() + in_flight_;
}

// The batch in flight counts towards the bounds but is never dropped: it may be in the table.
void backlog::evict_over_limits() {
  while (!queue_.empty() &&
         (queue_.size() + in_flight_ > limits_.max_events || queued_bytes_ > limits_.max_bytes)) {
    const std::uint64_t rev = queue_.front()->rev;
    queued_bytes_ -= queue_.front()->bytes();
    queue_.pop_front();
    counters_->gap_events.fetch_add(1, std::memory_order_relaxed);
    // Revs leave the queue in ascending order, except after failed() put a batch back in front
    // of newer holes: keep the list sorted and merged either way.
    const auto after = std::find_if(evicted_.begin(), evicted_.end(),
                                    [rev](const rev_range& r) { return r.first > rev; });
    auto it = evicted_.insert(after, rev_range{rev, rev});
    if (it != evicted_.begin() && std::prev(it)->last + 1 == rev) {
      std::prev(it)->last = rev;
      it = std::prev(evicted_.erase(it));
    }
    const auto next = std::next(it);
    if (next != evicted_.end() && next->first == it->last + 1) {
      it->last = next->last;
      evicted_.erase(next);
    }
  }
}

void backlog::forget_evicted_through(std::uint64_t rev) {
  std::erase_if(evicted_, [rev](const rev_range& r) { return r.last <= rev; });
  if (!evicted_.empty() && evicted_.front().first <= rev) evicted_.front().first = rev + 1;
}

std::uint64_t backlog::evicted_within(const rev_range& range) const {
  std::uint64_t count = 0;
  for (const auto& r : evicted_) {
    const std::uint64_t first = std::max(r.first, range.first);
    const std::uint64_t last = std::min(r.last, range.last);
    if (first <= last) count += last - first + 1;
  }
  return count;
}

std::uint64_t backlog::newest_rev() const {
  return std::max(start_rev_, pushed_rev_);
}

void backlog::publish_sizes() {
  counters_->waiting.store(queue_.size() + in_flight_, std::memory_order_relaxed);
}

}  // namespace kv::changelog
