// A few threads for blocking file work (fdatasync, snapshot writing), so that partition actors,
// which must never block for long, hand it off and are told when it is done; and run_parallel.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kv::storage {

class io_pool {
 public:
  explicit io_pool(std::size_t threads);
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;
  // Runs every job already posted, then joins: a posted fsync is never silently dropped.
  ~io_pool();

  // Jobs run in posting order, several at a time; a job reports its result itself (e.g. by
  // sending a message to the actor that posted it).
  void post(std::function<void()> job);

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Runs job(0) ... job(count - 1) on up to `threads` threads and returns when all have finished;
// recovery uses it to load every partition at once.
void run_parallel(std::size_t count, std::size_t threads,
                  const std::function<void(std::size_t)>& job);

}  // namespace kv::storage
