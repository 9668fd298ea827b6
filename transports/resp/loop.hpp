// One thread's epoll loop of the RESP port: it accepts connections from the shared listening
// socket, drives their reads and writes, and sends their store calls once per turn.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/store_api.hpp"
#include "transports/resp/connection.hpp"

namespace kv::resp {

// One thread's epoll loop: accepts from the shared listening socket and serves its connections.
class loop {
 public:
  loop(int listen_fd, std::shared_ptr<server_state> state);
  ~loop();
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  void start();
  void stop();
  // Any thread: `c` has something for the loop (see connection::notify).
  void post(connection_ptr c);
  // Any thread: every connection closes once its replies are out.
  void close_all_when_idle();
  // The loop thread: the store calls of every connection's commands read in this turn of the
  // loop, sent once per turn (one message per partition) or before a call that must follow
  // them.
  store_api::batch& batch() { return batch_; }

 private:
  void run();
  void accept_all();
  void drop(int fd);
  void drain_posted();

  const int listen_fd_;
  const std::shared_ptr<server_state> state_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<connection_ptr> by_fd_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> closing_all_{false};
  // True while the loop may be blocked in epoll_wait: a post then writes the eventfd.
  std::atomic<bool> sleeping_{false};
  store_api::batch batch_;
  std::thread thread_;
  std::mutex posted_mutex_;
  std::vector<connection_ptr> posted_;
};

}  // namespace kv::resp
