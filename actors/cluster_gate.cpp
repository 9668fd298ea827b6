#include "actors/cluster_gate.hpp"

#include <spdlog/spdlog.h>

#include <random>

#include "core/thread_name.hpp"

namespace kv {
namespace {

using clock_type = std::chrono::steady_clock;
// A proposal whose fate is unknown waits this long before it goes again.
constexpr auto retry_pause = std::chrono::milliseconds(50);

}  // namespace

cluster_gate::cluster_gate(std::uint32_t node_id, std::chrono::milliseconds timeout)
    : node_id_(node_id), timeout_(timeout) {
  // Request ids must not repeat across restarts of this member: start at random.
  std::random_device device;
  next_request_id_ = (std::uint64_t{device()} << 32 | device()) & ~(std::uint64_t{1} << 63);
  timer_thread_ = named_thread("kv.gate", [this] { run_timer(); });
}

cluster_gate::~cluster_gate() {
  stop_timer();
}

void cluster_gate::stop_timer() {
  {
    std::lock_guard lock(timer_mutex_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
}

void cluster_gate::attach(cluster::replicated_log* log, forwarder forward) {
  forward_ = std::move(forward);
  log_ = log;
}

void cluster_gate::detach() {
  log_ = nullptr;
  // The timer thread stops here, on the thread that stops the node, and what waits is answered
  // (503) here: a task destroyed on the timer thread could hold the last reference to what owns
  // this gate, whose destructor would then wait for the timer thread from the timer thread.
  stop_timer();
  std::multimap<clock_type::time_point, std::function<void()>> dropped;
  std::unordered_map<std::uint64_t, waiter> writes;
  std::multimap<std::uint64_t, std::function<void(bool)>> reads;
  std::vector<pending_read> pending;
  {
    std::lock_guard lock(timer_mutex_);
    dropped.swap(timers_);
  }
  {
    std::lock_guard lock(mutex_);
    writes.swap(waiters_);
    reads.swap(reads_);
    pending.swap(pending_reads_);
  }
  for (auto& [id, w] : writes) w.fail();
  for (auto& [sequence, then] : reads) then(false);
  answer_reads(pending, false);
}

bool cluster_gate::is_leader() const {
  return log_ != nullptr && log_->status().state == cluster::role::leader;
}

void cluster_gate::submit_new(cluster::command c, std::any done, std::function<void()> fail,
                              std::function<void(std::string_view)> answer) {
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = ++next_request_id_;
    c.origin = node_id_;
    c.request_id = id;
    waiters_.emplace(id, waiter{std::move(done), std::move(fail), std::move(answer),
                                cluster::encode(c), clock_type::now() + timeout_});
  }
  submit(id);
}

void cluster_gate::propose_sweep() {
  if (log_ == nullptr) return;
  cluster::command c;
  c.kind = cluster::command_kind::sweep;
  c.origin = node_id_;
  log_->propose({cluster::encode(c)}, [](int) {});
}

void cluster_gate::submit(std::uint64_t request_id) {
  std::string encoded;
  {
    std::lock_guard lock(mutex_);
    const auto found = waiters_.find(request_id);
    if (found == waiters_.end()) return;  // applied (or given up) meanwhile
    if (clock_type::now() >= found->second.deadline) {
      auto fail = std::move(found->second.fail);
      waiters_.erase(found);
      fail();
      return;
    }
    encoded = found->second.encoded;
  }
  if (log_ == nullptr) return retry_later(request_id);
  const auto status = log_->status();
  if (status.state == cluster::role::leader) {
    log_->propose({std::move(encoded)}, [this, request_id](int code) {
      if (code != 0) retry_later(request_id);
    });
  } else if (status.leader_id != 0 && forward_.propose) {
    forward_.propose(status.leader_id, cluster::frame({std::move(encoded)}),
                     [this, request_id](std::optional<std::string> reply) {
                       if (!reply) return retry_later(request_id);
                       take_leader_reply(request_id, *reply);
                     });
  } else {
    retry_later(request_id);
  }
}

// The leader committed and applied the write: answer with its outcome now. Without one (the
// leader had applied the request id before, or it is a build that sends none) the write is
// answered when this member applies it.
void cluster_gate::take_leader_reply(std::uint64_t request_id, const std::string& reply) {
  std::string outcome;
  try {
    const auto outcomes = cluster::unframe(reply);
    if (outcomes.size() != 1 || outcomes[0].empty()) return;
    outcome = outcomes[0];
  } catch (const std::exception&) {
    return;
  }
  waiter taken;
  {
    std::lock_guard lock(mutex_);
    const auto found = waiters_.find(request_id);
    if (found == waiters_.end()) return;  // applied here first
    taken = std::move(found->second);
    waiters_.erase(found);
  }
  try {
    taken.answer(outcome);
  } catch (const std::exception& error) {
    spdlog::warn("cluster: the leader's outcome of a write cannot be read: {}", error.what());
    std::lock_guard lock(mutex_);
    waiters_.emplace(request_id, std::move(taken));
  }
}

void cluster_gate::retry_later(std::uint64_t request_id) {
  later(retry_pause, [this, request_id] { submit(request_id); });
}

void cluster_gate::later(std::chrono::milliseconds delay, std::function<void()> task) {
  {
    std::lock_guard lock(timer_mutex_);
    timers_.emplace(clock_type::now() + delay, std::move(task));
  }
  timer_cv_.notify_all();
}

// Runs delayed tasks, and gives up on writes past their deadline that no apply answered.
void cluster_gate::run_timer() {
  std::unique_lock lock(timer_mutex_);
  auto next_scan = clock_type::now();
  while (!stopping_) {
    const auto now = clock_type::now();
    std::vector<std::function<void()>> due;
    while (!timers_.empty() && timers_.begin()->first <= now) {
      due.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
    lock.unlock();
    for (auto& task : due) task();
    due.clear();  // outside the lock: what a task held may be released now
    if (now >= next_scan) {
      next_scan = now + std::chrono::milliseconds(200);
      std::vector<std::function<void()>> expired;
      {
        std::lock_guard waiters_lock(mutex_);
        for (auto it = waiters_.begin(); it != waiters_.end();) {
          if (now >= it->second.deadline + std::chrono::milliseconds(500)) {
            expired.push_back(std::move(it->second.fail));
            it = waiters_.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (auto& fail : expired) fail();
    }
    lock.lock();
    auto wake = next_scan;
    if (!timers_.empty()) wake = std::min(wake, timers_.begin()->first);
    timer_cv_.wait_until(lock, wake, [this, wake] {
      return stopping_ || (!timers_.empty() && timers_.begin()->first < wake);
    });
  }
}

void cluster_gate::linearize(std::function<void(bool)> then) {
  linearize_until(clock_type::now() + timeout_, std::move(then));
}

void cluster_gate::linearize_within(std::chrono::milliseconds within,
                                    std::function<void(bool)> then) {
  linearize_until(clock_type::now() + within, std::move(then));
}

// Reads share a barrier: those that arrive while one is being asked for wait for the next,
// and the whole batch costs the log one call and one wait.
void cluster_gate::linearize_until(clock_type::time_point deadline,
                                   std::function<void(bool)> then) {
  {
    std::lock_guard lock(mutex_);
    pending_reads_.push_back({deadline, std::move(then)});
    if (read_barrier_running_) return;
    read_barrier_running_ = true;
  }
  start_read_barrier();
}

void cluster_gate::start_read_barrier() {
  auto batch = std::make_shared<std::vector<pending_read>>();
  {
    std::lock_guard lock(mutex_);
    batch->swap(pending_reads_);
    if (batch->empty()) {
      read_barrier_running_ = false;
      return;
    }
  }
  auto* log = log_;
  const auto status = log != nullptr ? log->status() : cluster::log_status{};
  if (status.state == cluster::role::leader) {
    log->read_barrier([this, batch](std::optional<std::uint64_t> sequence) {
      start_read_barrier();
      if (!sequence) return retry_reads(*batch);
      wait_sequence(*sequence, batch);
    });
  } else if (status.leader_id != 0 && forward_.read_index) {
    forward_.read_index(status.leader_id, [this, batch](std::optional<std::uint64_t> index) {
      start_read_barrier();
      if (!index) return retry_reads(*batch);
      wait_index(*index, batch);
    });
  } else {
    retry_reads(*batch);
    start_read_barrier();
  }
}

void cluster_gate::retry_reads(std::vector<pending_read>& batch) {
  for (auto& read : batch) {
    if (clock_type::now() >= read.deadline) {
      read.then(false);
      continue;
    }
    later(retry_pause, [this, deadline = read.deadline, then = std::move(read.then)]() mutable {
      linearize_until(deadline, std::move(then));
    });
  }
}

void cluster_gate::wait_index(std::uint64_t index, const read_batch& batch) {
  auto* log = log_;
  if (log == nullptr) return answer_reads(*batch, false);
  auto deadline = clock_type::now();
  for (const auto& read : *batch) deadline = std::max(deadline, read.deadline);
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  log->wait_applied(index, static_cast<unsigned>(std::max<std::int64_t>(left.count(), 1)),
                    [this, batch](std::optional<std::uint64_t> sequence) {
                      if (!sequence) return answer_reads(*batch, false);
                      wait_sequence(*sequence, batch);
                    });
}

void cluster_gate::wait_sequence(std::uint64_t sequence, const read_batch& batch) {
  {
    std::unique_lock lock(mutex_);
    if (applied_sequence_ < sequence) {
      reads_.emplace(sequence, [batch](bool ok) { answer_reads(*batch, ok); });
      return;
    }
  }
  answer_reads(*batch, true);
}

void cluster_gate::answer_reads(std::vector<pending_read>& batch, bool ok) {
  for (auto& read : batch) read.then(ok);
}

std::any cluster_gate::take_waiter(std::uint32_t origin, std::uint64_t request_id) {
  if (origin != node_id_) return {};
  std::lock_guard lock(mutex_);
  const auto found = waiters_.find(request_id);
  if (found == waiters_.end()) return {};
  std::any done = std::move(found->second.done);
  waiters_.erase(found);
  return done;
}

void cluster_gate::applied(std::uint64_t sequence) {
  std::vector<std::function<void(bool)>> ready;
  {
    std::lock_guard lock(mutex_);
    applied_sequence_ = sequence;
    while (!reads_.empty() && reads_.begin()->first <= sequence) {
      ready.push_back(std::move(reads_.begin()->second));
      reads_.erase(reads_.begin());
    }
  }
  for (auto& then : ready) then(true);
}

std::uint64_t cluster_gate::applied_sequence() const {
  std::lock_guard lock(mutex_);
  return applied_sequence_;
}

std::uint64_t cluster_gate::await_remote(std::uint32_t origin, std::uint64_t request_id,
                                         std::function<void(std::string)> done) {
  std::lock_guard lock(mutex_);
  const std::uint64_t token = ++next_remote_token_;
  remote_.emplace(std::make_pair(origin, request_id), remote_waiter{token, std::move(done)});
  return token;
}

std::function<void(std::string)> cluster_gate::take_remote(std::uint32_t origin,
                                                           std::uint64_t request_id) {
  std::vector<std::function<void(std::string)>> found;
  {
    std::lock_guard lock(mutex_);
    if (remote_.empty()) return {};
    const auto [first, last] = remote_.equal_range(std::make_pair(origin, request_id));
    for (auto it = first; it != last; ++it) found.push_back(std::move(it->second.done));
    remote_.erase(first, last);
  }
  if (found.empty()) return {};
  if (found.size() == 1) return std::move(found.front());
  // The same request forwarded twice (the first call timed out): both calls get the outcome.
  return [found = std::move(found)](const std::string& outcome) {
    for (const auto& done : found) done(outcome);
  };
}

void cluster_gate::drop_remote(std::uint32_t origin, std::uint64_t request_id,
                               std::uint64_t token) {
  std::lock_guard lock(mutex_);
  const auto [first, last] = remote_.equal_range(std::make_pair(origin, request_id));
  for (auto it = first; it != last; ++it) {
    if (it->second.token == token) {
      remote_.erase(it);
      return;
    }
  }
}

}  // namespace kv
