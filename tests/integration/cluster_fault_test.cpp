// Faults of a three-member cluster (contract section 11, issue 15): the leader stopped with
// SIGSTOP under writers, the leader cut off by a network partition, one member's disk full, and a
// restarted member catching up through a snapshot. In every case no acknowledged write is lost.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/cluster_process.hpp"
#include "tests/support/namespaced_cluster.hpp"
#include "tests/support/write_load.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::vector<int> others(int id) {
  std::vector<int> rest;
  for (int other = 1; other <= 3; ++other) {
    if (other != id) rest.push_back(other);
  }
  return rest;
}

std::vector<WriteTarget> targets(Cluster& cluster, const std::vector<int>& ids) {
  std::vector<WriteTarget> list;
  for (int id : ids) list.push_back({"127.0.0.1", cluster.member(id).http_port, ""});
  return list;
}

// Polls `done` every 50 ms until it holds or `timeout` passes.
template <class Condition>
bool eventually(std::chrono::milliseconds timeout, Condition done) {
  const auto give_up = clock_type::now() + timeout;
  while (!done()) {
    if (clock_type::now() >= give_up) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

std::uint64_t field(const nlohmann::json& status, const char* name) {
  return status.is_null() ? 0 : status[name].get<std::uint64_t>();
}

// A member has applied everything the leader had committed when asked.
bool caught_up(Cluster& cluster, int id, int leader) {
  const auto target = field(cluster.status(leader), "commit_index");
  return target > 0 && field(cluster.status(id), "applied_index") >= target;
}

// Every member holds every acknowledged write with its value: one linearizable read through it
// first, so that its local copy, listed next, holds everything acknowledged before.
void expect_everywhere(Cluster& cluster, const std::map<std::string, std::string>& acknowledged,
                       const std::string& prefix) {
  ASSERT_FALSE(acknowledged.empty());
  for (int id = 1; id <= 3; ++id) {
    const auto& [key, value] = *acknowledged.rbegin();
    const auto read = cluster.client(id).get_key(key);
    ASSERT_EQ(read.status, 200) << "member " << id << ": " << read.describe();
    EXPECT_EQ(read.body, value);
    EXPECT_TRUE(
        holds_all(items_of("127.0.0.1", cluster.member(id).http_port, prefix), acknowledged))
        << "member " << id;
  }
}

TEST(ClusterFault, AStoppedLeaderIsReplacedWithin5sAndCatchesUpAfterSigcont) {
  Cluster cluster;
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0) << cluster.log_of(1);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  // Two writers through every member, the leader included (those hang while it is stopped).
  WriteLoad load("s", targets(cluster, {1, 2, 3, 1, 2, 3}));
  ASSERT_TRUE(load.wait_for_more(50, 10s));

  const auto stopped_at = clock_type::now();
  cluster.kill_member(leader, SIGSTOP);
  const int next = cluster.wait_for_leader(others(leader), 10s, leader);
  const auto failover = clock_type::now() - stopped_at;
  ASSERT_NE(next, 0) << cluster.log_of(others(leader)[0]);
  std::cout << "new leader after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(failover).count() << " ms\n";
  // The bound: a new leader within 5 s of the leader stopping.
  EXPECT_LE(failover, 5s);
  EXPECT_TRUE(load.wait_for_more(20, 10s)) << "no writes acknowledged under the new leader";

  cluster.kill_member(leader, SIGCONT);
  EXPECT_TRUE(eventually(10s,
                         [&] {
                           const auto s = cluster.status(leader);
                           return !s.is_null() && s["role"] == "follower" && s["leader"] == next &&
                                  caught_up(cluster, leader, next);
                         }))
      << "the old leader did not step down and catch up: " << cluster.status(leader).dump();
  EXPECT_TRUE(load.wait_for_more(20, 10s));
  load.stop();
  expect_everywhere(cluster, load.acknowledged(), "s");
}

TEST(ClusterFault, ALeaderCutOffByAPartitionAcknowledgesNothingAndConvergesAfterHealing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
  NamespacedCluster cluster;
  if (!cluster.error().empty()) GTEST_SKIP() << "no network namespaces: " << cluster.error();
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3}, 20s);
  ASSERT_NE(leader, 0) << cluster.log_of(1);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id, 20s)) << cluster.log_of(id);
  const auto rest = others(leader);
  auto target = [&](int id, bool inside) {
    return WriteTarget{cluster.host(id), NamespacedCluster::http_port,
                       inside ? cluster.netns(id) : ""};
  };

  const auto cut_at = clock_type::now();
  ASSERT_TRUE(cluster.cut(leader));
  // Writers through the cut-off leader, from inside its namespace, which still reaches it.
  WriteLoad isolated("i", {target(leader, true), target(leader, true)});
  WriteLoad majority("m", {target(rest[0], false), target(rest[1], false)});
  const int next = cluster.wait_for_leader(rest, 20s, leader);
  ASSERT_NE(next, 0) << cluster.log_of(rest[0]);
  EXPECT_TRUE(majority.wait_for_more(20, 10s)) << "the majority accepts no writes";
  EXPECT_TRUE(eventually(20s,
                         [&] {
                           const auto s = cluster.status(leader, true);
                           return !s.is_null() && s["role"] != "leader";
                         }))
      << "the cut-off leader did not step down: " << cluster.status(leader, true).dump();
  std::cout
      << "the cut-off leader stepped down after "
      << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - cut_at).count()
      << " ms\n";
  // Writes that started after the step-down too have ended (each within its 5 s deadline).
  const auto before = isolated.attempts();
  EXPECT_TRUE(eventually(15s, [&] { return isolated.attempts() >= before + 2; }));
  isolated.stop();
  majority.stop();
  EXPECT_GT(isolated.attempts(), 0u);
  EXPECT_EQ(isolated.acknowledged_count(), 0u) << "a cut-off leader acknowledged a write";

  ASSERT_TRUE(cluster.heal(leader));
  const auto healed_at = clock_type::now();
  // Any leader will do: the contract does not say which member leads after healing.
  ASSERT_NE(cluster.wait_for_leader({1, 2, 3}, 20s), 0);
  ASSERT_TRUE(cluster.wait_ready(leader, 20s)) << cluster.log_of(leader);
  std::cout << "the cut-off member was ready "
            << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - healed_at)
                   .count()
            << " ms after healing\n";
  // The same data everywhere: every acknowledged write, and each unacknowledged one on all three
  // members or on none.
  const auto acknowledged = majority.acknowledged();
  ASSERT_FALSE(acknowledged.empty());
  std::map<std::string, std::string> reference;
  for (int id : {next, leader, 6 - next - leader}) {
    KvClient c(cluster.host(id), NamespacedCluster::http_port);
    // Right after healing a linearizable read has been seen to answer 503 (in 2 of 9 runs of
    // the fault loop; under investigation, see docs/cluster.md): a client retries a 503, and so
    // does this test, for a while, before it checks the data.
    const auto asked_at = clock_type::now();
    Reply first, last;
    eventually(20s, [&] {
      last = c.get_key(acknowledged.rbegin()->first);
      if (first.status == -1 && first.error.empty()) first = last;
      return last.status == 200;
    });
    if (first.status != 200) {
      std::cout << "member " << id << " answered " << first.status << " " << first.body
                << first.error << " first; 200 after "
                << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() -
                                                                         asked_at)
                       .count()
                << " ms; " << cluster.status(id).dump() << "\n";
    }
    ASSERT_EQ(last.status, 200) << "member " << id;
    auto held = items_of(cluster.host(id), NamespacedCluster::http_port, "");
    EXPECT_TRUE(holds_all(held, acknowledged)) << "member " << id;
    if (reference.empty()) reference = held;
    EXPECT_EQ(held, reference) << "member " << id << " differs from the member asked first";
  }
}

// A tmpfs of `size` mounted on `dir` (created) until destruction; detached lazily then, since a
// member may still hold files there.
class TmpfsMount {
 public:
  TmpfsMount(const std::filesystem::path& dir, const std::string& size) : dir_(dir) {
    std::filesystem::create_directories(dir);
    mounted_ = mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }

  // Writes a file until the file system is full.
  void fill() const {
    std::ofstream filler(dir_ / "filler", std::ios::binary);
    const std::string block(1 << 20, 'x');
    while (filler.write(block.data(), block.size())) filler.flush();
  }
  void free_space() const { std::filesystem::remove(dir_ / "filler"); }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
};

// Waits for a member's process to end by itself; its exit status, or -1 if it still runs after
// `timeout` (or ended by a signal).
int wait_for_exit(Member& m, std::chrono::milliseconds timeout) {
  int status = 0;
  const bool ended = eventually(timeout, [&] { return waitpid(m.pid, &status, WNOHANG) == m.pid; });
  if (!ended) return -1;
  m.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// One member's data dir on a small tmpfs that fills up under writers through every member.
// raft 0.15 crashes (a leader) or stalls for good (a follower) once a new log segment does not
// fit, so the member stops with exit status 1 and a line saying why while it still has room;
// the other two go on, and once space is freed the restarted member catches up.
void fill_one_members_disk(bool full_member_leads) {
  Cluster cluster;
  // Member 1 bootstraps and leads at first; member 3 follows.
  const int full = full_member_leads ? 1 : 3;
  // raft_uv preallocates three 8 MiB segments; 64 MiB leaves some room above the reserve.
  TmpfsMount disk(cluster.member(full).data_dir, "64m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
  cluster.start_all();
  ASSERT_EQ(cluster.wait_for_leader({1, 2, 3}), 1) << cluster.logs();
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  WriteLoad load("d", targets(cluster, {1, 2, 3}));
  ASSERT_TRUE(load.wait_for_more(30, 10s));

  disk.fill();
  EXPECT_EQ(wait_for_exit(cluster.member(full), 10s), 1) << "the member with a full disk";
  const auto log = cluster.log_of(full);
  EXPECT_NE(log.find("this member stops; free space and restart it"), std::string::npos) << log;
  const auto rest = others(full);
  const int next = cluster.wait_for_leader(rest, 20s, full_member_leads ? full : 0);
  ASSERT_NE(next, 0);
  EXPECT_TRUE(load.wait_for_more(30, 10s)) << "the other members take no writes";
  for (int id : rest) {
    EXPECT_EQ(waitpid(cluster.member(id).pid, nullptr, WNOHANG), 0) << "member " << id << " died";
  }
  // Still full: it refuses to start, with the same reason.
  cluster.start(full);
  EXPECT_EQ(wait_for_exit(cluster.member(full), 20s), 1);

  disk.free_space();
  cluster.start(full);
  ASSERT_TRUE(cluster.wait_ready(full)) << cluster.log_of(full);
  EXPECT_TRUE(load.wait_for_more(30, 10s));
  load.stop();
  EXPECT_TRUE(eventually(10s, [&] { return caught_up(cluster, full, next); }))
      << cluster.status(full).dump();
  expect_everywhere(cluster, load.acknowledged(), "d");
}

TEST(ClusterFault, AFollowerWithAFullDiskStopsAndCatchesUpOnceRestarted) {
  fill_one_members_disk(false);
}

TEST(ClusterFault, ALeaderWithAFullDiskStopsAndTheOthersElectANewOne) {
  fill_one_members_disk(true);
}

TEST(ClusterFault, ARestartedFollowerCatchesUpThroughASnapshot) {
  Cluster cluster;
  // Snapshots every 32 entries, 16 kept: the leader soon drops what a stopped follower needs.
  // A snapshot sent while the follower was down is sent again 2 s later (10 s by default).
  cluster.append_to_configs("snapshot_threshold = 32\ninstall_snapshot_timeout_ms = 2000\n");
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0) << cluster.log_of(1);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  const int follower = others(leader)[0];
  auto writer = cluster.client(leader);
  std::map<std::string, std::string> written;
  auto write = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const std::string key = numbered("n", written.size());
      ASSERT_EQ(writer.put_key(key, "v-" + key).status, 200);
      written.emplace(key, "v-" + key);
    }
  };
  ASSERT_NO_FATAL_FAILURE(write(100));
  ASSERT_TRUE(eventually(10s, [&] { return caught_up(cluster, follower, leader); }));
  cluster.kill_member(follower);
  ASSERT_NO_FATAL_FAILURE(write(200));
  const auto restarted_at = clock_type::now();
  cluster.start(follower);
  // A few more, so that the leader holds entries past its snapshot when the follower is back.
  ASSERT_NO_FATAL_FAILURE(write(10));
  // Bounded well below the stall the design spike saw (30 s, until the next election).
  EXPECT_TRUE(eventually(10s, [&] { return caught_up(cluster, follower, leader); }))
      << "the restarted follower stalled: " << cluster.status(follower).dump() << " vs "
      << cluster.status(leader).dump() << cluster.log_of(follower);
  const auto catch_up = clock_type::now() - restarted_at;
  // Through a snapshot: replaying the 200 writes one entry each would take 200 applies.
  const auto applied = field(cluster.status(follower), "applied_entries");
  EXPECT_LT(applied, 200u) << "the follower replayed the log instead of installing a snapshot";
  std::cout << "caught up in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(catch_up).count()
            << " ms with " << applied << " applies\n";
  // Still following after the install: a write now reaches it.
  ASSERT_NO_FATAL_FAILURE(write(1));
  EXPECT_EQ(cluster.client(follower).get_key(written.rbegin()->first).status, 200);
  EXPECT_TRUE(holds_all(items_of("127.0.0.1", cluster.member(follower).http_port, "n"), written));
}

}  // namespace
}  // namespace kvtest
