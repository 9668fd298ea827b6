// Concurrent writers for the cluster fault tests: threads that PUT distinct keys through given
// members and log every write answered 2xx, and what a member holds, to check none was lost.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kvtest {

// Where one writer thread sends its writes.
struct WriteTarget {
  std::string host;
  std::uint16_t port = 0;
  // A named network namespace (ip netns) the thread joins first; empty: the caller's.
  std::string netns;
};

// One thread per target writing PREFIX<thread>-<n> = "v-" + key, one write at a time, until
// stop(). A write that gets no reply within `reply_timeout` counts as not acknowledged.
class WriteLoad {
 public:
  WriteLoad(std::string prefix, std::vector<WriteTarget> targets,
            std::chrono::seconds reply_timeout = std::chrono::seconds(8));
  ~WriteLoad();
  WriteLoad(const WriteLoad&) = delete;
  WriteLoad& operator=(const WriteLoad&) = delete;

  // Ends every writer after its write in flight, and joins them.
  void stop();
  // The writes answered 2xx so far: key -> value.
  std::map<std::string, std::string> acknowledged() const;
  std::size_t acknowledged_count() const;
  // Writes that ended (any outcome, no reply included).
  std::size_t attempts() const { return attempts_; }
  // Waits until `count` more writes than now are acknowledged; false after `timeout`.
  bool wait_for_more(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void run(std::size_t index, WriteTarget target);

  std::string prefix_;
  std::chrono::seconds reply_timeout_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> attempts_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::string> acknowledged_;
  std::vector<std::thread> threads_;
};

// Every key under `prefix` that the member at host:port holds in its local copy, with its value
// (stale listing with values, page by page). Empty when the member does not answer.
std::map<std::string, std::string> items_of(const std::string& host, std::uint16_t port,
                                            const std::string& prefix);

// Every acknowledged write is in `held` with its value.
::testing::AssertionResult holds_all(const std::map<std::string, std::string>& held,
                                     const std::map<std::string, std::string>& acknowledged);

}  // namespace kvtest
