// Linux network namespaces for the partition test: see network_namespaces.hpp.
#include "tests/support/network_namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kvtest {

IpResult run_ip(const std::string& args) {
  IpResult result;
  // Debian keeps `ip` in /usr/sbin, which a test's PATH may lack.
  const std::string command = "PATH=\"$PATH:/usr/sbin:/sbin\" ip " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.output = std::strerror(errno);
    return result;
  }
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.output += buffer;
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int open_netns(const std::string& name) {
  return open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
}

bool join_netns(const std::string& name) {
  const int fd = open_netns(name);
  if (fd < 0) return false;
  const bool joined = setns(fd, CLONE_NEWNET) == 0;
  close(fd);
  return joined;
}

PrivateNetwork::PrivateNetwork() {
  original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_ < 0) {
    error_ = std::string("cannot open this thread's network namespace: ") + std::strerror(errno);
    return;
  }
  if (unshare(CLONE_NEWNET) != 0) {
    error_ = std::string("cannot create a network namespace: ") + std::strerror(errno);
    return;
  }
  entered_ = true;
}

PrivateNetwork::~PrivateNetwork() {
  if (entered_) setns(original_, CLONE_NEWNET);
  if (original_ >= 0) close(original_);
}

NamedNetns::NamedNetns(std::string name) : name_(std::move(name)) {
  const auto added = run_ip("netns add " + name_);
  if (added.status != 0) {
    error_ = "ip netns add " + name_ + ": " + added.output;
    return;
  }
  created_ = true;
  const auto lo = run_ip("-n " + name_ + " link set lo up");
  if (lo.status != 0) error_ = "ip -n " + name_ + " link set lo up: " + lo.output;
}

NamedNetns::~NamedNetns() {
  if (created_) run_ip("netns delete " + name_);
}

}  // namespace kvtest
