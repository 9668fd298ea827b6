// One client connection: its socket, its request parser and its queue of outgoing bytes. Its
// reactor thread reads and parses; whichever thread answers writes, and the socket is closed
// only when the last holder lets go, so a descriptor number is never reused under a writer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transports/http/request_parser.hpp"

namespace kv::http {

class reactor;
class connection;
class tls_context;
class tls_stream;
using connection_ptr = std::shared_ptr<connection>;

struct connection_options {
  parse_limits limits;
  // A request must arrive whole within this time of its first byte; an idle keep-alive
  // connection, and an answer the client stops reading, are closed after it too.
  std::chrono::milliseconds idle_timeout{60000};
  // After a refusal, how long the connection is read (and discarded) before it is cut, so
  // that the client reads the refusal instead of a reset.
  std::chrono::milliseconds linger_timeout{2000};
  // Called on the reactor thread for each complete request; the answer may come from any
  // thread, through write() and its `then`.
  std::function<void(request&, const connection_ptr&)> on_request;
  // Called for each request the transport refuses itself (malformed, too large, too slow).
  std::function<void(int status)> on_refused;
  // When set, every connection speaks TLS only, and its handshake must end within idle_timeout.
  std::shared_ptr<const tls_context> tls;
};

// What the connection does once a write has left: nothing more (a chunk of a longer answer),
// read the next request, or close after the client has seen the answer.
enum class then { continue_answer, next_request, close };

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(int fd, std::shared_ptr<reactor> owner);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // --- any thread: the answer to the request being served ---
  // Queues `bytes` behind what is queued; `flushed` runs once they have all left, and never if
  // the client goes first. Writes never wait for the client.
  void write(std::string bytes, std::function<void()> flushed = {},
             then after = then::continue_answer);
  // Cuts the connection at once, dropping what is queued (a stream giving up on its client).
  void abort();
  // False once the client has closed its side or the connection was cut.
  bool open() const;

  // --- the reactor thread ---
  int fd() const { return fd_; }
  void on_event(std::uint32_t events);
  void on_resume();
  // Closes what has waited too long; true when the connection should leave the reactor.
  bool on_timer(std::chrono::steady_clock::time_point now);
  // Whether it holds no request and no answer: the first to go when descriptors run out.
  bool idle() const;
  std::chrono::steady_clock::time_point last_activity() const { return last_activity_; }
  // Marks the connection gone; the reactor removes it.
  void close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

 private:
  enum class phase : int { reading, serving, serving_input, resuming, lingering };

  struct pending_write {
    std::string bytes;
    std::size_t sent = 0;
    std::function<void()> flushed;
    then after = then::continue_answer;
  };
  using write_queue = std::deque<pending_write>;

  void serve_input();
  void read_some();
  void read_some_tls(char* chunk, std::size_t size);
  void discard_input();
  void refuse(const parse_error& error);
  void flush();
  // Sends from `bytes` what the socket takes; false when the connection has failed.
  bool send_some(const std::string& bytes, std::size_t& sent);
  // Sends what the socket takes; moves the callbacks of finished writes into `done`.
  void send_queued_locked(std::vector<std::function<void()>>& done, then& finished);
  void cut_locked(write_queue& dropped);
  void answer_finished(then after);

  const int fd_;
  const std::shared_ptr<reactor> owner_;
  const connection_options& options_;      // the reactor's, which this connection keeps alive
  const std::unique_ptr<tls_stream> tls_;  // null on a plain-HTTP port

  // Reactor thread only.
  request_parser parser_;
  std::string input_;
  std::size_t input_begin_ = 0;
  bool input_drained_ = false;  // the last read found the socket empty
  bool end_of_input_ = false;   // the client closed its sending side
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point request_started_{};

  // Handed from the reactor to the answering thread with the request.
  bool resume_on_reactor_ = false;

  std::atomic<phase> phase_{phase::reading};
  std::atomic<bool> closed_{false};
  std::atomic<bool> peer_closed_{false};

  std::atomic<std::int64_t> linger_started_ms_{0};
  std::mutex write_mutex_;  // taken once per write; two threads meet on it only when a slow
                            // client's queue is being flushed while the answer adds to it
  write_queue queued_;
  std::atomic<std::int64_t> last_write_progress_ms_{0};
  std::atomic<bool> has_queued_{false};
};

}  // namespace kv::http
