// A cluster whose members are named by DNS names rather than IPv4 literals (contract section 11,
// the Kubernetes case): raft 0.15 connects to literals only, so the node resolves at each connect.
#include <gtest/gtest.h>

#include "tests/support/cluster_process.hpp"

namespace kvtest {
namespace {

TEST(ClusterNames, MembersNamedByHostNameFormAClusterAndAMemberRejoinsByName) {
  Cluster cluster(3, "localhost");
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0) << cluster.log_of(1);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  // The membership holds the names, as configured.
  const auto status = cluster.status(leader);
  ASSERT_TRUE(status.is_object());
  EXPECT_NE(status.dump().find("localhost:"), std::string::npos) << status.dump();

  const int follower = leader % 3 + 1;
  ASSERT_EQ(cluster.client(follower).put_key("named", "one").status, 200);
  // A restarted member finds its stored membership equal to the configured names and rejoins.
  cluster.kill_member(follower);
  ASSERT_EQ(cluster.client(leader).put_key("named", "two").status, 200);
  cluster.start(follower);
  ASSERT_TRUE(cluster.wait_ready(follower)) << cluster.log_of(follower);
  // Its local copy catches up with what was written while it was down.
  std::string local;
  for (int attempt = 0; attempt < 200 && local != "two"; ++attempt) {
    local = cluster.client(follower).get("/v1/keys/named?consistency=stale").body;
    if (local != "two") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(local, "two") << cluster.log_of(follower);
}

}  // namespace
}  // namespace kvtest
