// How a long-running kvctl command (watch) ends on SIGINT or SIGTERM: with exit status 0, and
// never in the middle of a line it is printing.
#pragma once

#include <mutex>

namespace kvctl {

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it starts later, and
// starts a thread that waits for either. When one comes, that thread takes `output` (held
// while a line is written), so that no line is cut short, and ends the process with status 0.
// Call it before any other thread exists.
void exit_on_interrupt(std::timed_mutex& output);

}  // namespace kvctl
