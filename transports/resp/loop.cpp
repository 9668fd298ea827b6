// The epoll loop: connections edge-triggered and registered once, the listening socket shared
// by every loop with EPOLLEXCLUSIVE, and an eventfd that wakes the loop only when it sleeps.
#include "transports/resp/loop.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/thread_name.hpp"

namespace kv::resp {
namespace {

constexpr int max_events = 128;
constexpr int idle_wait_ms = 250;

void add_to_epoll(int epoll_fd, int fd, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
  }
}

}  // namespace

loop::loop(int listen_fd, std::shared_ptr<server_state> state)
    : listen_fd_(listen_fd), state_(std::move(state)), batch_(state_->store) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    throw std::runtime_error(std::string("cannot create the RESP loop: ") + std::strerror(errno));
  }
  add_to_epoll(epoll_fd_, wake_fd_, EPOLLIN);
  add_to_epoll(epoll_fd_, listen_fd_, EPOLLIN | EPOLLEXCLUSIVE);
}

loop::~loop() {
  stop();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void loop::start() {
  thread_ = named_thread("kv.resp", [this] { run(); });
}

void loop::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  batch_.submit();
  for (auto& c : by_fd_) {
    if (c) c->close();
  }
  by_fd_.clear();
  const std::lock_guard lock(posted_mutex_);
  posted_.clear();
}

void loop::post(connection_ptr c) {
  {
    const std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(c));
  }
  // Only a loop that may be asleep needs the eventfd: a busy one drains posted_ before it
  // waits again.
  if (sleeping_.exchange(false, std::memory_order_acq_rel)) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
  }
}

void loop::close_all_when_idle() {
  closing_all_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
}

void loop::run() {
  epoll_event events[max_events];
  bool closed_all = false;
  while (!stopping_.load(std::memory_order_relaxed)) {
    sleeping_.store(true, std::memory_order_seq_cst);
    bool have_posts = false;
    {
      const std::lock_guard lock(posted_mutex_);
      have_posts = !posted_.empty();
    }
    const int count = ::epoll_wait(epoll_fd_, events, max_events, have_posts ? 0 : idle_wait_ms);
    sleeping_.store(false, std::memory_order_seq_cst);
    if (count < 0 && errno != EINTR) {
      spdlog::error("RESP loop: epoll_wait failed: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < count; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        std::uint64_t ignored_count = 0;
        [[maybe_unused]] const auto ignored =
            ::read(wake_fd_, &ignored_count, sizeof ignored_count);
      } else if (fd == listen_fd_) {
        accept_all();
      } else if (static_cast<std::size_t>(fd) < by_fd_.size() && by_fd_[fd]) {
        const connection_ptr c = by_fd_[fd];
        c->on_event(events[i].events);
        if (c->closed()) drop(fd);
      }
    }
    drain_posted();
    // One message per partition for what every connection read in this turn.
    batch_.submit();
    if (closing_all_.load(std::memory_order_relaxed) && !closed_all) {
      closed_all = true;
      for (const auto& c : by_fd_) {
        if (c) c->close_when_idle();
      }
    }
  }
}

void loop::drain_posted() {
  // Replies that complete while these are handled are posted again and taken next turn.
  std::vector<connection_ptr> posted;
  {
    const std::lock_guard lock(posted_mutex_);
    posted.swap(posted_);
  }
  for (const auto& c : posted) {
    if (c->closed()) continue;
    const int fd = c->fd();
    if (static_cast<std::size_t>(fd) >= by_fd_.size() || by_fd_[fd] != c) continue;
    c->on_wake();
    if (c->closed()) drop(fd);
  }
}

void loop::accept_all() {
  for (int accepted = 0; accepted < 64; ++accepted) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        spdlog::warn("RESP: out of file descriptors (raise `ulimit -n`)");
      }
      return;
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (static_cast<std::size_t>(fd) >= by_fd_.size()) by_fd_.resize(fd + 1024);
    by_fd_[fd] = std::make_shared<connection>(fd, *this, state_);
    add_to_epoll(epoll_fd_, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    if (closing_all_.load(std::memory_order_relaxed)) by_fd_[fd]->close_when_idle();
  }
}

void loop::drop(int fd) {
  auto& c = by_fd_[fd];
  if (!c) return;
  // The descriptor is closed with the connection, and epoll forgets it then.
  c->close();
  c.reset();
}

}  // namespace kv::resp
