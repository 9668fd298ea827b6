// Three kvnode cluster members, each in a network namespace of its own on a bridge in the test's
// private namespace, so that one member's link can be cut: the partition test's fixture.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/network_namespaces.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {

class NamespacedCluster {
 public:
  // Every member listens on the same ports, each on its own address.
  static constexpr std::uint16_t http_port = 8080;
  static constexpr std::uint16_t raft_port = 9101;
  static constexpr std::uint16_t feed_port = 5555;

  // Builds the network (the calling thread moves into the hub until destruction); error() says
  // why when it could not.
  NamespacedCluster();
  ~NamespacedCluster();
  NamespacedCluster(const NamespacedCluster&) = delete;
  NamespacedCluster& operator=(const NamespacedCluster&) = delete;

  const std::string& error() const { return error_; }
  static constexpr int size() { return 3; }
  std::string host(int id) const { return "10.0.0." + std::to_string(id); }
  const std::string& netns(int id) const { return members_[id - 1].ns->name(); }

  void start(int id, bool bootstrap = false);
  void start_all();
  void kill_member(int id);

  // Takes the member's link to the bridge down (its own address stays reachable from inside its
  // namespace), and up again.
  bool cut(int id);
  bool heal(int id);

  // GET /v1/cluster of a member, or null when it does not answer. `inside`: asked from the
  // member's own namespace, which reaches it even when it is cut off.
  nlohmann::json status(int id, bool inside = false);
  // The leader every member in `ids` agrees on (asked from the hub), other than `not_this`.
  int wait_for_leader(const std::vector<int>& ids, std::chrono::milliseconds timeout,
                      int not_this = 0);
  bool wait_ready(int id, std::chrono::milliseconds timeout);
  std::string log_of(int id) const;

 private:
  struct Member {
    std::unique_ptr<NamedNetns> ns;
    std::string config;
    std::string log;
    pid_t pid = -1;
  };

  std::unique_ptr<PrivateNetwork> hub_;
  TempDir dir_;
  std::vector<Member> members_;
  std::string error_;
};

}  // namespace kvtest
