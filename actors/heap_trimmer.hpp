// Hands the memory the allocator holds free back to the system. tcmalloc keeps the pages of
// freed memory for reuse and returns them only as more memory is freed, so a node that is idle
// after a burst of large writes would go on holding its peak.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace kv {

class heap_trimmer {
 public:
  // Every `period`, pages free beyond `reserve_bytes` go back to the system; the reserve stays
  // for reuse, so a steady load does not fault the same pages in again and again.
  heap_trimmer(std::chrono::milliseconds period, std::size_t reserve_bytes);
  ~heap_trimmer();
  heap_trimmer(const heap_trimmer&) = delete;
  heap_trimmer& operator=(const heap_trimmer&) = delete;

  // Hands back every free page, the reserve too, without waiting for the period: for a
  // partition that has just removed many expired keys. Never waits.
  void release_all_soon();

  // The allocator's free pages not returned to the system yet.
  static std::size_t free_bytes();

 private:
  void run();

  const std::chrono::milliseconds period_;
  const std::size_t reserve_bytes_;
  std::mutex mutex_;
  std::condition_variable woken_;
  bool stopping_ = false;
  bool release_all_ = false;
  std::thread thread_;
};

}  // namespace kv
