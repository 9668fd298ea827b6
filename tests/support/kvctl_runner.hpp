// Running the built kvctl binary for black-box tests: to completion with given stdin, or in the
// background (kvctl watch) with its output read line by line as it comes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/node_process.hpp"

namespace kvtest {

struct KvctlResult {
  ExitStatus status;
  std::string out;
  std::string err;

  // For failure messages: how it ended and what it said.
  std::string describe() const;
};

// Runs kvctl with exactly `args`, `input` on stdin, and `env` ("NAME=value" entries) added to
// the environment, which has no KVCTL_* variables of its own. Killed after 30 s.
KvctlResult run_kvctl(const std::vector<std::string>& args, const std::string& input = "",
                      const std::vector<std::string>& env = {});

// A kvctl that runs until stopped, stdin closed. Its output is read only when asked for, so a
// test can leave it blocked on a full stdout pipe, like a reader that fell behind.
class BackgroundKvctl {
 public:
  explicit BackgroundKvctl(const std::vector<std::string>& args,
                           const std::vector<std::string>& env = {});
  ~BackgroundKvctl();  // SIGKILL if still running
  BackgroundKvctl(const BackgroundKvctl&) = delete;
  BackgroundKvctl& operator=(const BackgroundKvctl&) = delete;

  bool started() const { return pid_ > 0; }

  // Reads until stdout holds at least `count` complete lines or `timeout` passes (or kvctl
  // ends); returns the complete lines so far.
  std::vector<std::string> wait_for_lines(std::size_t count, std::chrono::milliseconds timeout);

  // Reads until stdout holds `text` or `timeout` passes (or kvctl ends); true if it does.
  bool wait_for_text(const std::string& text, std::chrono::milliseconds timeout);

  // Sends `sig`, then reads both streams to their end and waits (bounded) for the exit.
  KvctlResult stop(int sig);

  // Reads both streams to their end and waits (bounded) for kvctl to exit on its own.
  KvctlResult wait(std::chrono::milliseconds timeout);

  // What kvctl wrote to stdout and stderr so far (as read by the calls above).
  const std::string& out() const { return result_.out; }
  const std::string& err() const { return result_.err; }

 private:
  // Reads what is ready within `timeout`; false once both streams have ended.
  bool read_some(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  KvctlResult result_;
};

// Complete lines of `text` (the last one only if it ends with '\n').
std::vector<std::string> complete_lines(const std::string& text);

}  // namespace kvtest
