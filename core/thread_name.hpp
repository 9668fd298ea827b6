// Names the calling thread as top, perf and /proc/PID/task/*/comm show it, so a profile of the
// node says which of its threads (HTTP, raft, change log, ...) spent the time.
#pragma once

#include <thread>
#include <utility>

namespace kv {

// At most 15 characters are kept (the kernel's limit); longer names are cut.
void name_this_thread(const char* name);

// A thread that names itself `name` (a string literal: it is read on the new thread) and then
// runs `function`.
template <class Function>
std::thread named_thread(const char* name, Function&& function) {
  return std::thread([name, function = std::forward<Function>(function)]() mutable {
    name_this_thread(name);
    function();
  });
}

}  // namespace kv
