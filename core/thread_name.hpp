// Names the calling thread as top, perf and /proc/PID/task/*/comm show it, so a profile of the
// node says which of its threads (HTTP, raft, change log, ...) spent the time.
#pragma once

namespace kv {

// At most 15 characters are kept (the kernel's limit); longer names are cut.
void name_this_thread(const char* name);

}  // namespace kv
