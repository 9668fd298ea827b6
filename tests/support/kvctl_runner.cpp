// Spawning kvctl with its three standard streams on pipes, and reading them without ever
// blocking on one while the child fills the other.
#include "tests/support/kvctl_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#ifndef KVCTL_BINARY
#error "KVCTL_BINARY must be defined by the build"
#endif

extern char** environ;

namespace kvtest {
namespace {

using clock_type = std::chrono::steady_clock;

// The test's own environment without KVCTL_URL and KVCTL_FEED, plus `extra` ("NAME=value"
// entries), so that only what a test sets decides which node kvctl talks to.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "KVCTL_URL=", 10) != 0 &&
        std::strncmp(*entry, "KVCTL_FEED=", 11) != 0) {
      entries.emplace_back(*entry);
    }
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return entries;
}

std::vector<char*> null_terminated(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// The three standard streams of a child: our ends stay here, its ends are dup2()ed onto
// 0, 1 and 2. Every descriptor is close-on-exec, so the child keeps only those three.
struct ChildPipes {
  int stdin_fds[2] = {-1, -1};
  int stdout_fds[2] = {-1, -1};
  int stderr_fds[2] = {-1, -1};

  bool open() {
    return ::pipe2(stdin_fds, O_CLOEXEC) == 0 && ::pipe2(stdout_fds, O_CLOEXEC) == 0 &&
           ::pipe2(stderr_fds, O_CLOEXEC) == 0;
  }
  void close_child_ends() {
    close_fd(stdin_fds[0]);
    close_fd(stdout_fds[1]);
    close_fd(stderr_fds[1]);
  }
  ~ChildPipes() {
    for (int* fd : {&stdin_fds[0], &stdin_fds[1], &stdout_fds[0], &stdout_fds[1], &stderr_fds[0],
                    &stderr_fds[1]}) {
      close_fd(*fd);
    }
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

pid_t spawn_kvctl(const std::vector<std::string>& args, const std::vector<std::string>& env,
                  ChildPipes& pipes) {
  std::vector<std::string> argv_storage = {KVCTL_BINARY};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<std::string> env_storage = child_environment(env);
  auto argv = null_terminated(argv_storage);
  auto envp = null_terminated(env_storage);

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, pipes.stdin_fds[0], STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, pipes.stdout_fds[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, pipes.stderr_fds[1], STDERR_FILENO);
  pid_t pid = -1;
  const int failed = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  return failed ? -1 : pid;
}

// Appends what is ready on `fd` to `sink`; false once the child has closed its end.
bool read_available(int fd, std::string& sink) {
  char buffer[1 << 16];
  const ssize_t count = ::read(fd, buffer, sizeof buffer);
  if (count > 0) sink.append(buffer, static_cast<std::size_t>(count));
  return count > 0 || (count < 0 && (errno == EINTR || errno == EAGAIN));
}

int milliseconds_until(clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

// Writes `input` to the child's stdin (then closes it) while collecting stdout and stderr, all
// at once so that neither side blocks on a full pipe. False when the deadline passed first.
bool exchange_io(ChildPipes& pipes, const std::string& input, KvctlResult& result,
                 clock_type::time_point deadline) {
  int& to_child = pipes.stdin_fds[1];
  ::fcntl(to_child, F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) ChildPipes::close_fd(to_child);
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    pollfd watched[3] = {{out_open ? pipes.stdout_fds[0] : -1, POLLIN, 0},
                         {err_open ? pipes.stderr_fds[0] : -1, POLLIN, 0},
                         {to_child, POLLOUT, 0}};
    const int wait_ms = milliseconds_until(deadline);
    if (wait_ms == 0) return false;
    if (::poll(watched, 3, wait_ms) < 0 && errno != EINTR) return false;
    if (watched[0].revents) out_open = read_available(pipes.stdout_fds[0], result.out);
    if (watched[1].revents) err_open = read_available(pipes.stderr_fds[0], result.err);
    if (to_child >= 0 && watched[2].revents) {
      const ssize_t count = ::write(to_child, input.data() + written, input.size() - written);
      if (count > 0) written += static_cast<std::size_t>(count);
      // A child that exits without reading all of stdin (put KEY VALUE) is not an error.
      const bool broken = count < 0 && errno != EINTR && errno != EAGAIN;
      if (broken || written == input.size()) ChildPipes::close_fd(to_child);
    }
  }
  return true;
}

ExitStatus wait_for_child(pid_t pid, clock_type::time_point deadline) {
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (clock_type::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ExitStatus killed;
      killed.timed_out = true;
      return killed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ExitStatus ended;
  ended.exited = WIFEXITED(status);
  ended.exit_code = ended.exited ? WEXITSTATUS(status) : -1;
  ended.signaled = WIFSIGNALED(status);
  ended.signal = ended.signaled ? WTERMSIG(status) : 0;
  return ended;
}

}  // namespace

std::string KvctlResult::describe() const {
  return status.describe() + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
}

KvctlResult run_kvctl(const std::vector<std::string>& args, const std::string& input,
                      const std::vector<std::string>& env) {
  // Writing stdin of a child that has exited must fail with EPIPE, not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  KvctlResult result;
  ChildPipes pipes;
  if (!pipes.open()) {
    result.err = std::string("pipe2 failed: ") + std::strerror(errno);
    return result;
  }
  const pid_t pid = spawn_kvctl(args, env, pipes);
  if (pid < 0) {
    result.err = "cannot spawn " + std::string(KVCTL_BINARY);
    return result;
  }
  pipes.close_child_ends();
  const bool finished = exchange_io(pipes, input, result, deadline);
  result.status = wait_for_child(pid, finished ? deadline : clock_type::now());
  return result;
}

std::vector<std::string> complete_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

BackgroundKvctl::BackgroundKvctl(const std::vector<std::string>& args,
                                 const std::vector<std::string>& env) {
  ChildPipes pipes;
  if (!pipes.open()) return;
  pid_ = spawn_kvctl(args, env, pipes);
  pipes.close_child_ends();
  // Keep the read ends; the pipes' destructor closes the rest, stdin's write end included.
  std::swap(out_fd_, pipes.stdout_fds[0]);
  std::swap(err_fd_, pipes.stderr_fds[0]);
}

BackgroundKvctl::~BackgroundKvctl() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  for (const int fd : {out_fd_, err_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

bool BackgroundKvctl::read_some(std::chrono::milliseconds timeout) {
  pollfd watched[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  if (::poll(watched, 2, static_cast<int>(timeout.count())) <= 0) return true;
  if (watched[0].revents && !read_available(out_fd_, result_.out)) ChildPipes::close_fd(out_fd_);
  if (watched[1].revents && !read_available(err_fd_, result_.err)) ChildPipes::close_fd(err_fd_);
  return out_fd_ >= 0 || err_fd_ >= 0;
}

std::vector<std::string> BackgroundKvctl::wait_for_lines(std::size_t count,
                                                         std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (static_cast<std::size_t>(std::count(result_.out.begin(), result_.out.end(), '\n')) <
             count &&
         clock_type::now() < deadline) {
    if (!read_some(std::chrono::milliseconds(std::max(1, milliseconds_until(deadline))))) break;
  }
  return complete_lines(result_.out);
}

bool BackgroundKvctl::wait_for_text(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  // Only the new output (and the end of the old, where `text` may have begun) is searched.
  std::size_t searched = 0;
  while (result_.out.find(text, searched) == std::string::npos) {
    searched = result_.out.size() > text.size() ? result_.out.size() - text.size() : 0;
    if (clock_type::now() >= deadline) return false;
    if (!read_some(std::chrono::milliseconds(std::max(1, milliseconds_until(deadline))))) {
      return result_.out.find(text, searched) != std::string::npos;
    }
  }
  return true;
}

KvctlResult BackgroundKvctl::stop(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
  return wait(std::chrono::seconds(10));
}

KvctlResult BackgroundKvctl::wait(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline && read_some(std::chrono::milliseconds(50))) {
  }
  if (pid_ > 0) {
    result_.status = wait_for_child(pid_, deadline);
    pid_ = -1;
  }
  return result_;
}

}  // namespace kvtest
