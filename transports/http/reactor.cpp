// The epoll loop of one HTTP thread. Connections are edge-triggered and registered once; the
// listening socket is shared by every reactor with EPOLLEXCLUSIVE, so one wakes per client.
#include "transports/http/reactor.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/thread_name.hpp"

namespace kv::http {
namespace {

constexpr int max_events = 128;
constexpr auto timer_interval = std::chrono::milliseconds(250);
// Idle connections closed per descriptor shortage: enough for a burst of new clients.
constexpr std::size_t shed_batch = 16;

void add_to_epoll(int epoll_fd, int fd, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
  }
}

}  // namespace

reactor::reactor(int listen_fd, connection_options options)
    : listen_fd_(listen_fd), options_(std::move(options)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    throw std::runtime_error(std::string("cannot create the HTTP reactor: ") +
                             std::strerror(errno));
  }
  add_to_epoll(epoll_fd_, wake_fd_, EPOLLIN);
  add_to_epoll(epoll_fd_, listen_fd_, EPOLLIN | EPOLLEXCLUSIVE);
}

reactor::~reactor() {
  stop();
  ::close(epoll_fd_);
  ::close(wake_fd_);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void reactor::start() {
  thread_ = named_thread("kv.http", [this] { run(); });
}

void reactor::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  for (auto& c : by_fd_) {
    if (c) c->close();
  }
  by_fd_.clear();
  const std::lock_guard lock(resume_mutex_);
  to_resume_.clear();
}

void reactor::post_resume(connection_ptr c) {
  if (stopping_.load(std::memory_order_relaxed)) return;
  {
    const std::lock_guard lock(resume_mutex_);
    to_resume_.push_back(std::move(c));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
}

void reactor::run() {
  // Set before the first connection exists, which is the first to ask.
  thread_id_ = std::this_thread::get_id();
  epoll_event events[max_events];
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int count =
        ::epoll_wait(epoll_fd_, events, max_events, static_cast<int>(timer_interval.count()));
    if (count < 0 && errno != EINTR) {
      spdlog::error("HTTP reactor: epoll_wait failed: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < count; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        resume_posted();
      } else if (fd == listen_fd_) {
        accept_all();
      } else if (static_cast<std::size_t>(fd) < by_fd_.size() && by_fd_[fd]) {
        const connection_ptr c = by_fd_[fd];
        c->on_event(events[i].events);
        if (c->closed()) drop(fd);
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_timer_check_ >= timer_interval) {
      last_timer_check_ = now;
      check_timers(now);
    }
  }
}

void reactor::resume_posted() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto ignored = ::read(wake_fd_, &count, sizeof count);
  std::vector<connection_ptr> posted;
  {
    const std::lock_guard lock(resume_mutex_);
    posted.swap(to_resume_);
  }
  for (const auto& c : posted) {
    const int fd = c->fd();
    if (static_cast<std::size_t>(fd) >= by_fd_.size() || by_fd_[fd] != c) continue;
    c->on_resume();
    if (c->closed()) drop(fd);
  }
}

void reactor::accept_all() {
  // A bounded number per wake-up, so one reactor does not take a whole burst of clients.
  for (int accepted = 0; accepted < 64; ++accepted) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) return shed_for_descriptors();
      return;  // EAGAIN: another reactor took it, or none is left
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (static_cast<std::size_t>(fd) >= by_fd_.size()) by_fd_.resize(fd + 1024);
    by_fd_[fd] = std::make_shared<connection>(fd, shared_from_this());
    add_to_epoll(epoll_fd_, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
  }
}

// Without a free descriptor the listening socket stays readable and no client is served: the
// longest-idle keep-alive connections make room, and when none is idle, the reserve descriptor
// lets one waiting client be accepted and closed rather than left hanging.
void reactor::shed_for_descriptors() {
  std::vector<connection_ptr> idle;
  for (const auto& c : by_fd_) {
    if (c && c->idle()) idle.push_back(c);
  }
  const std::size_t count = std::min(shed_batch, idle.size());
  std::partial_sort(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(count), idle.end(),
                    [](const connection_ptr& a, const connection_ptr& b) {
                      return a->last_activity() < b->last_activity();
                    });
  for (std::size_t i = 0; i < count; ++i) drop(idle[i]->fd());
  if (count == 0 && reserve_fd_ >= 0) {
    ::close(reserve_fd_);
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_shed_log_ >= std::chrono::seconds(1)) {
    last_shed_log_ = now;
    spdlog::warn("HTTP: out of file descriptors (raise `ulimit -n`): closed {} idle connections{}",
                 count, count == 0 ? " and refused a new one, none being idle" : "");
  }
}

void reactor::drop(int fd) {
  auto& c = by_fd_[fd];
  if (!c) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  c->close();
  c.reset();
}

void reactor::check_timers(std::chrono::steady_clock::time_point now) {
  for (std::size_t fd = 0; fd < by_fd_.size(); ++fd) {
    if (by_fd_[fd] && by_fd_[fd]->on_timer(now)) drop(static_cast<int>(fd));
  }
}

}  // namespace kv::http
