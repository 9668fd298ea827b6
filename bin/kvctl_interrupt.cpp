// SIGINT and SIGTERM for kvctl watch. The watch blocks in recv() on a socket for as long as
// nothing changes, so a handler could not stop it cleanly; a thread that sigwait()s can.
#include "bin/kvctl_interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace kvctl {

void exit_on_interrupt(std::timed_mutex& output) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([signals, &output] {
    int received = 0;
    sigwait(&signals, &received);
    // Waits for a line being written to be whole; but a reader that stopped reading can hold
    // that write forever, so after a second the interrupt wins, lock or not.
    output.try_lock_for(std::chrono::seconds(1));
    // Every line is flushed as it is written, so nothing is left to flush: _exit skips the
    // destructors of objects other threads are still using.
    _exit(0);
  }).detach();
}

}  // namespace kvctl
