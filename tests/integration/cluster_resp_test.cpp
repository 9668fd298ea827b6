// The RESP port of cluster members (contract sections 11 and 12): commands through any member
// go through the raft log, in the order a connection sent them, pipelined or not.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/support/cluster_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

// Sends `request` (raw RESP, possibly many commands) on a new connection and reads until the
// replies are `expected.size()` bytes long or 10 s pass; returns what came.
std::string exchange(std::uint16_t port, const std::string& request, std::size_t expected_size) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string replies;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (replies.size() < expected_size && std::chrono::steady_clock::now() < give_up) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char chunk[4096];
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      replies.append(chunk, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return replies;
}

std::string command(std::initializer_list<std::string> args) {
  std::string text;
  text.append("*").append(std::to_string(args.size())).append("\r\n");
  for (const auto& arg : args) {
    text.append("$").append(std::to_string(arg.size())).append("\r\n").append(arg).append("\r\n");
  }
  return text;
}

TEST(ClusterResp, PipelinedCommandsThroughAFollowerAreAppliedInOrderAndReadEverywhere) {
  Cluster cluster;
  std::vector<std::uint16_t> resp_ports;
  for (int id = 1; id <= 3; ++id) {
    resp_ports.push_back(pick_free_port());
    cluster.append_to_config(
        id, "[resp]\nlisten = \"127.0.0.1:" + std::to_string(resp_ports.back()) + "\"\n");
  }
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0) << cluster.log_of(1);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  const int follower = leader % 3 + 1;
  const int other = follower % 3 + 1;

  // One pipeline: each command sees the one before, though writes are forwarded to the leader
  // and reads wait for a barrier. INCR on a bytes value follows Redis's rules on every member.
  const std::string pipeline = command({"SET", "n", "10"}) + command({"GET", "n"}) +
                               command({"INCR", "n"}) + command({"GET", "n"}) +
                               command({"SADD", "s", "a", "b"}) + command({"SADD", "s", "a"}) +
                               command({"DEL", "n"}) + command({"EXISTS", "n"});
  const std::string expected = "+OK\r\n$2\r\n10\r\n:11\r\n$2\r\n11\r\n:2\r\n:0\r\n:1\r\n:0\r\n";
  EXPECT_EQ(exchange(resp_ports[follower - 1], pipeline, expected.size()), expected)
      << cluster.log_of(follower);

  // Written through one member, read linearizably through another, over RESP and HTTP.
  const std::string set = "+OK\r\n";
  ASSERT_EQ(exchange(resp_ports[follower - 1], command({"SET", "k", "v"}), set.size()), set);
  const std::string get = "$1\r\nv\r\n";
  EXPECT_EQ(exchange(resp_ports[other - 1], command({"GET", "k"}), get.size()), get);
  EXPECT_EQ(cluster.client(leader).get_key("k").body, "v");
  const std::string members = "*2\r\n";
  EXPECT_EQ(exchange(resp_ports[other - 1], command({"SMEMBERS", "s"}), 18).substr(0, 4), members);
}

}  // namespace
}  // namespace kvtest
