// One HTTP thread: an epoll loop that accepts connections from the shared listening socket,
// reads and parses their requests, flushes answers a slow client could not take at once, and
// closes what has waited too long. A server runs http.threads of them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "transports/http/connection.hpp"

namespace kv::http {

class reactor : public std::enable_shared_from_this<reactor> {
 public:
  reactor(int listen_fd, connection_options options);
  ~reactor();
  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  void start();
  // Ends the loop, joins the thread and cuts every connection it holds.
  void stop();

  const connection_options& options() const { return options_; }
  bool on_reactor_thread() const { return std::this_thread::get_id() == thread_id_; }
  // From any thread: the connection's answer is out and it has input waiting to be served.
  void post_resume(connection_ptr c);

 private:
  void run();
  void accept_all();
  // Out of descriptors: closes the longest-idle connections, or refuses one if none is idle.
  void shed_for_descriptors();
  void drop(int fd);
  void resume_posted();
  void check_timers(std::chrono::steady_clock::time_point now);

  const int listen_fd_;
  const connection_options options_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int reserve_fd_ = -1;  // given up to accept and refuse one client when descriptors run out
  std::vector<connection_ptr> by_fd_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::thread::id thread_id_;
  std::chrono::steady_clock::time_point last_timer_check_{};
  std::chrono::steady_clock::time_point last_shed_log_{};

  std::mutex resume_mutex_;
  std::vector<connection_ptr> to_resume_;
};

}  // namespace kv::http
