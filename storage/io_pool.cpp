// The blocking-work thread pool: a mutex-guarded queue and a condition variable, which is
// plenty for jobs that each take a millisecond or more of disk time.
#include "storage/io_pool.hpp"

#include <algorithm>
#include <atomic>

#include "core/thread_name.hpp"

namespace kv::storage {

io_pool::io_pool(std::size_t threads) {
  const std::size_t count = std::max<std::size_t>(threads, 1);
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    threads_.push_back(named_thread("kv.io", [this] { work(); }));
  }
}

io_pool::~io_pool() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void io_pool::post(std::function<void()> job) {
  {
    const std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void io_pool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void run_parallel(std::size_t count, std::size_t threads,
                  const std::function<void(std::size_t)>& job) {
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) job(i);
  };
  std::vector<std::thread> helpers;
  const std::size_t helper_count = std::min(threads, count) > 0 ? std::min(threads, count) - 1 : 0;
  helpers.reserve(helper_count);
  for (std::size_t i = 0; i < helper_count; ++i) helpers.emplace_back(worker);
  worker();  // the calling thread works too
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace kv::storage
