// Releasing a large free list takes milliseconds of madvise calls, so it runs on a thread of
// its own rather than on a scheduler worker.
#include "actors/heap_trimmer.hpp"

#include <gperftools/malloc_extension_c.h>

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
  stop_requested_.notify_one();
  thread_.join();
}

std::size_t heap_trimmer::free_bytes() {
  std::size_t bytes = 0;
  MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes", &bytes);
  return bytes;
}

void heap_trimmer::run() {
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, period_, [this] { return stopping_; })) {
    const std::size_t free = free_bytes();
    if (free > reserve_bytes_) MallocExtension_ReleaseToSystem(free - reserve_bytes_);
  }
}

}  // namespace kv
