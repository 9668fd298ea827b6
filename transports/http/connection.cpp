// Reading, parsing and answering on one connection, one request at a time, with the answer's
// bytes written from whichever thread produced them and the rest flushed by the reactor.
#include "transports/http/connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "transports/http/reactor.hpp"
#include "transports/http/response_head.hpp"
#include "transports/http/tls_context.hpp"
#include "transports/http/tls_stream.hpp"

namespace kv::http {
namespace {

constexpr std::size_t read_chunk = 16 << 10;
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

connection::connection(int fd, std::shared_ptr<reactor> owner)
    : fd_(fd),
      owner_(std::move(owner)),
      options_(owner_->options()),
      tls_(options_.tls ? std::make_unique<tls_stream>(options_.tls->native(), fd) : nullptr),
      parser_(options_.limits),
      request_started_(last_activity_) {}

connection::~connection() {
  ::close(fd_);
}

// ---------------------------------------------------------------- writing, from any thread

void connection::write(std::string bytes, std::function<void()> flushed, then after) {
  bool flushed_now = false;
  write_queue dropped;
  {
    const std::lock_guard lock(write_mutex_);
    if (closed_.load(std::memory_order_relaxed)) return;
    if (queued_.empty()) {
      // Most answers leave in this one call, from the thread that produced them.
      std::size_t sent = 0;
      if (!send_some(bytes, sent)) {
        cut_locked(dropped);
        return;
      }
      flushed_now = sent == bytes.size();
      if (!flushed_now) queued_.push_back({std::move(bytes), sent, std::move(flushed), after});
    } else {
      // Behind queued bytes: the reactor sends it once the client has taken those.
      queued_.push_back({std::move(bytes), 0, std::move(flushed), after});
    }
    has_queued_.store(!queued_.empty(), std::memory_order_relaxed);
  }
  if (!flushed_now) return;
  if (flushed) flushed();
  if (after != then::continue_answer) answer_finished(after);
}

bool connection::send_some(const std::string& bytes, std::size_t& sent) {
  while (sent < bytes.size()) {
    const ssize_t n =
        tls_ ? tls_->write(bytes.data() + sent, bytes.size() - sent)
             : ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      last_write_progress_ms_.store(now_ms(), std::memory_order_relaxed);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;  // EPOLLOUT resumes it
    peer_closed_.store(true, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void connection::send_queued_locked(std::vector<std::function<void()>>& done, then& finished) {
  while (!queued_.empty()) {
    auto& front = queued_.front();
    if (!send_some(front.bytes, front.sent)) {
      closed_.store(true, std::memory_order_release);
      return;
    }
    if (front.sent < front.bytes.size()) return;
    done.push_back(std::move(front.flushed));
    if (front.after != then::continue_answer) finished = front.after;
    queued_.pop_front();
  }
}

// Callbacks of dropped writes hold exchanges whose destructors may write: they are destroyed
// by the caller, after the lock.
void connection::cut_locked(write_queue& dropped) {
  closed_.store(true, std::memory_order_release);
  dropped.swap(queued_);
  has_queued_.store(false, std::memory_order_relaxed);
  ::shutdown(fd_, SHUT_RDWR);  // the reactor sees the hang-up and lets the connection go
}

void connection::abort() {
  // The last close then resets the connection, discarding what the client never read instead
  // of keeping it in the kernel until the client reads or times out.
  const linger reset{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close();
}

void connection::close() {
  write_queue dropped;
  const std::lock_guard lock(write_mutex_);
  cut_locked(dropped);
}

bool connection::open() const {
  return !closed_.load(std::memory_order_acquire) && !peer_closed_.load(std::memory_order_relaxed);
}

// The last byte of an answer has left. The next request is read by the reactor; from another
// thread, it is handed back only when input is waiting, which a race with the reactor decides.
void connection::answer_finished(then after) {
  if (after == then::close) {
    if (tls_) tls_->close_notify();
    // FIN after the answer; the client's unread bytes are read and dropped while it reads the
    // answer, since closing with unread input would reset the connection under it.
    ::shutdown(fd_, SHUT_WR);
    linger_started_ms_.store(now_ms(), std::memory_order_relaxed);
    const phase before = phase_.exchange(phase::lingering);
    if (before == phase::serving_input && !owner_->on_reactor_thread()) {
      owner_->post_resume(shared_from_this());
    }
    return;
  }
  if (owner_->on_reactor_thread()) {
    phase_.store(phase::reading);  // the reactor, below on this stack, goes on reading
    return;
  }
  phase expected = phase::serving;
  if (!resume_on_reactor_ && phase_.compare_exchange_strong(expected, phase::reading)) return;
  phase_.store(phase::resuming);
  owner_->post_resume(shared_from_this());
}

// ---------------------------------------------------------------- the reactor thread

void connection::on_event(std::uint32_t events) {
  last_activity_ = std::chrono::steady_clock::now();
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
    peer_closed_.store(true, std::memory_order_relaxed);
    close();
    return;
  }
  const bool input = (events & (EPOLLIN | EPOLLRDHUP)) != 0;
  // A client that closed its sending side may still wait for its answer: writes go on.
  if ((events & EPOLLRDHUP) != 0) peer_closed_.store(true, std::memory_order_relaxed);
  if (input) input_drained_ = false;
  // A TLS handshake may have waited for room to send its part, which this edge brings.
  if (tls_ && (events & EPOLLOUT) != 0) input_drained_ = false;
  if ((events & EPOLLOUT) != 0) flush();  // may finish the answer and turn back to reading
  phase current = phase_.load();
  switch (current) {
    case phase::reading:
      serve_input();
      break;
    case phase::serving:
      // The answering thread hands the connection back through the reactor when it sees this;
      // if it finished first, the input is served here.
      if (input && !phase_.compare_exchange_strong(current, phase::serving_input) &&
          current == phase::reading) {
        serve_input();
      }
      break;
    case phase::lingering:
      if (input) discard_input();
      break;
    case phase::serving_input:
    case phase::resuming:
      break;
  }
}

void connection::on_resume() {
  last_activity_ = std::chrono::steady_clock::now();
  phase expected = phase::resuming;
  if (phase_.compare_exchange_strong(expected, phase::reading)) {
    input_drained_ = false;
    serve_input();
  } else if (expected == phase::lingering) {
    discard_input();
  }
}

void connection::flush() {
  std::vector<std::function<void()>> done;
  then finished = then::continue_answer;
  write_queue dropped;
  {
    const std::lock_guard lock(write_mutex_);
    send_queued_locked(done, finished);
    if (closed_.load(std::memory_order_relaxed)) cut_locked(dropped);
    has_queued_.store(!queued_.empty(), std::memory_order_relaxed);
  }
  for (auto& callback : done) {
    if (callback) callback();
  }
  if (finished != then::continue_answer) answer_finished(finished);
}

void connection::serve_input() {
  while (!closed() && phase_.load() == phase::reading) {
    if (parser_.state() == request_parser::progress::complete) parser_.next();
    if (input_begin_ < input_.size()) {
      if (!parser_.mid_request()) request_started_ = std::chrono::steady_clock::now();
      input_begin_ += parser_.feed(input_.data() + input_begin_, input_.size() - input_begin_);
      if (input_begin_ == input_.size()) {
        input_.clear();
        input_begin_ = 0;
      }
      if (parser_.take_continue_wanted()) write(std::string(continue_line));
    }
    switch (parser_.state()) {
      case request_parser::progress::failed:
        refuse(parser_.error());
        continue;  // lingering now
      case request_parser::progress::complete:
        // Input the answering thread cannot see (buffered, unread, or the client's FIN)
        // means the reactor must take the connection back after the answer.
        resume_on_reactor_ = input_begin_ < input_.size() || !input_drained_ ||
                             peer_closed_.load(std::memory_order_relaxed);
        phase_.store(phase::serving);
        options_.on_request(parser_.current(), shared_from_this());
        continue;  // still reading only if the answer went out on this thread
      case request_parser::progress::need_more:
        break;
    }
    if (end_of_input_) return close();  // nothing more will come, and nothing is owed
    if (input_drained_) return;
    read_some();
  }
  if (phase_.load() == phase::lingering) discard_input();
}

void connection::read_some() {
  char chunk[read_chunk];
  if (tls_) return read_some_tls(chunk, sizeof chunk);
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      input_.append(chunk, static_cast<std::size_t>(n));
      // Fewer bytes than asked for: the socket was empty, and new input will raise a new edge.
      input_drained_ = static_cast<std::size_t>(n) < sizeof chunk;
      return;
    }
    if (n == 0) {
      end_of_input_ = true;
      input_drained_ = true;
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      input_drained_ = true;
      return;
    }
    return close();
  }
}

void connection::read_some_tls(char* chunk, std::size_t size) {
  const ssize_t n = tls_->read(chunk, size, input_drained_);
  if (n > 0) {
    input_.append(chunk, static_cast<std::size_t>(n));
  } else if (n == 0) {
    end_of_input_ = true;
    input_drained_ = true;
  } else if (errno != EAGAIN) {
    close();  // a refused handshake (plain HTTP on a TLS port, an unknown client certificate)
  }
}

void connection::discard_input() {
  input_.clear();
  input_begin_ = 0;
  char chunk[read_chunk];
  for (;;) {
    bool drained = false;
    const ssize_t n =
        tls_ ? tls_->read(chunk, sizeof chunk, drained) : ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    return close();  // the client has read the answer and closed, or the socket failed
  }
}

void connection::refuse(const parse_error& error) {
  if (options_.on_refused) options_.on_refused(error.status);
  const std::string body = error_body(error.code, error.message);
  std::string out;
  out.reserve(160 + body.size());
  append_response_head(out, false, error.status, "application/json", {}, false, body.size());
  out += body;
  phase_.store(phase::serving);
  write(std::move(out), {}, then::close);
}

bool connection::idle() const {
  return phase_.load() == phase::reading && !parser_.mid_request() && input_begin_ == input_.size();
}

bool connection::on_timer(std::chrono::steady_clock::time_point now) {
  const auto timeout = options_.idle_timeout;
  switch (phase_.load()) {
    case phase::reading:
      if (tls_ && now - request_started_ > timeout && !tls_->handshake_done()) {
        close();  // a handshake, however slowly it trickles in, gets no more than idle_timeout
      } else if (parser_.mid_request() && now - request_started_ > timeout) {
        refuse({408, "bad_request",
                "the request did not arrive whole within " +
                    std::to_string(timeout.count() / 1000.0).substr(0, 4) + " s"});
      } else if (idle() && now - last_activity_ > timeout) {
        close();
      }
      break;
    case phase::serving:
    case phase::serving_input:
      // An answer the client stopped reading: it may slow itself, not hold the node.
      if (has_queued_.load(std::memory_order_relaxed) &&
          now_ms() - last_write_progress_ms_.load(std::memory_order_relaxed) > timeout.count()) {
        abort();
      }
      break;
    case phase::lingering:
      if (now_ms() - linger_started_ms_.load(std::memory_order_relaxed) >
          options_.linger_timeout.count()) {
        close();
      }
      break;
    case phase::resuming:
      break;
  }
  return closed();
}

}  // namespace kv::http
