// Releasing a large free list takes milliseconds of madvise calls, so it runs on a thread of
// its own rather than on a scheduler worker.
#include "actors/heap_trimmer.hpp"

#include <gperftools/malloc_extension_c.h>

#include <utility>

#include "core/thread_name.hpp"

namespace kv {

heap_trimmer::heap_trimmer(std::chrono::milliseconds period, std::size_t reserve_bytes)
    : period_(period),
      reserve_bytes_(reserve_bytes),
      thread_(named_thread("kv.trim", [this] { run(); })) {}

heap_trimmer::~heap_trimmer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  woken_.notify_one();
  thread_.join();
}

void heap_trimmer::release_all_soon() {
  {
    const std::lock_guard lock(mutex_);
    release_all_ = true;
  }
  woken_.notify_one();
}

std::size_t heap_trimmer::free_bytes() {
  std::size_t bytes = 0;
  MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes", &bytes);
  return bytes;
}

void heap_trimmer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    woken_.wait_for(lock, period_, [this] { return stopping_ || release_all_; });
    if (stopping_) return;
    const std::size_t reserve = std::exchange(release_all_, false) ? 0 : reserve_bytes_;
    // Unlocked, so that release_all_soon() never waits for a release under way.
    lock.unlock();
    const std::size_t free = free_bytes();
    if (free > reserve) MallocExtension_ReleaseToSystem(free - reserve);
    lock.lock();
  }
}

}  // namespace kv
