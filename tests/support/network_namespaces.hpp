// Linux network namespaces for the partition test: a private namespace for the calling thread
// (a hub whose links vanish with it), named namespaces (ip netns) and iproute2 commands.
#pragma once

#include <future>
#include <string>
#include <thread>

namespace kvtest {

struct IpResult {
  int status = -1;  // exit status of `ip`; -1 when it could not run
  std::string output;
};

// Runs `ip ARGS` (iproute2) in the caller's network namespace, stdout and stderr captured.
IpResult run_ip(const std::string& args);

// Opens the named namespace made by `ip netns add`: the fd for setns(2), or -1.
int open_netns(const std::string& name);

// Moves the calling thread into the named namespace; false when it cannot.
bool join_netns(const std::string& name);

// Runs `fn` on a thread of its own inside the named namespace and returns its result (what a
// default-constructed result is when the namespace cannot be joined).
template <class F>
auto in_netns(const std::string& name, F fn) -> decltype(fn()) {
  using result = decltype(fn());
  std::packaged_task<result()> task([&] { return join_netns(name) ? fn() : result{}; });
  auto future = task.get_future();
  std::thread(std::move(task)).join();
  return future.get();
}

// The calling thread gets a new, empty network namespace until destruction, when it returns to
// the one it was in. Children and threads it starts meanwhile start in the new one; links made
// there disappear with it.
class PrivateNetwork {
 public:
  PrivateNetwork();
  ~PrivateNetwork();
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;
  // Empty when the namespace is in place, else why not.
  const std::string& error() const { return error_; }

 private:
  int original_ = -1;
  bool entered_ = false;
  std::string error_;
};

// A named network namespace (ip netns add NAME) with loopback up, deleted on destruction.
class NamedNetns {
 public:
  explicit NamedNetns(std::string name);
  ~NamedNetns();
  NamedNetns(const NamedNetns&) = delete;
  NamedNetns& operator=(const NamedNetns&) = delete;
  const std::string& name() const { return name_; }
  // Empty when it was created, else the output of `ip`.
  const std::string& error() const { return error_; }

 private:
  std::string name_;
  bool created_ = false;
  std::string error_;
};

}  // namespace kvtest
