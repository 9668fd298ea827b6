// Three real kvnodes in a raft cluster on loopback (contract section 11): replication and
// linearizable reads through every member, a follower answering without waiting for a heartbeat,
// a watcher resuming on another member, kill -9 of the leader under concurrent writers with no
// acknowledged write lost, catch-up of a restarted member, a rolling restart under load, 503 for
// writes without a quorum, and the start-up refusals (a wiped member alone or with --bootstrap,
// peers that disagree with what is stored).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/cluster_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(Cluster, WritesThroughAnyMemberAreReadLinearizablyEverywhereWithTheSameFeed) {
  Cluster cluster;
  cluster.start_all();
  ASSERT_NE(cluster.wait_for_leader({1, 2, 3}), 0) << cluster.logs();
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  for (int round = 0; round < 10; ++round) {
    const int writer = round % 3 + 1;
    const std::string key = "k" + std::to_string(round);
    ASSERT_EQ(cluster.client(writer).put_key(key, "v" + std::to_string(round)).status, 200);
    // Linearizable: the very next read through any member sees it.
    for (int reader = 1; reader <= 3; ++reader) {
      const auto reply = cluster.client(reader).get_key(key);
      ASSERT_EQ(reply.status, 200) << "member " << reader;
      EXPECT_EQ(reply.body, "v" + std::to_string(round));
    }
  }
  // CAS decided at apply time: the second writer with the same expected version loses.
  EXPECT_EQ(cluster.client(2).request("PUT", "/v1/keys/k0?if_version=1", "x").status, 200);
  EXPECT_EQ(cluster.client(3).request("PUT", "/v1/keys/k0?if_version=1", "y").status, 409);
  EXPECT_EQ(cluster.client(1).get("/v1/keys/k0?consistency=stale").status, 200);
  // Same rev, seq and order on every member.
  std::vector<std::string> first;
  const auto give_up = clock_type::now() + 10s;
  for (;;) {
    first = feed_of(cluster, 1);
    if (first.size() == 11 && feed_of(cluster, 2) == first && feed_of(cluster, 3) == first) break;
    ASSERT_LT(clock_type::now(), give_up) << "feeds differ or are incomplete: " << first.size();
    std::this_thread::sleep_for(100ms);
  }
  const auto metrics = cluster.client(2).get("/metrics");
  EXPECT_NE(metrics.body.find("kv_raft_commit_index"), std::string::npos);
  EXPECT_NE(metrics.body.find("kv_raft_is_leader"), std::string::npos);
}

// A follower answers a forwarded write with the outcome the leader applied, and a linearizable
// read after a barrier whose commit the leader announces at once: neither waits for a heartbeat.
// The bound is generous (the ~50 ms wait it replaced was a heartbeat or two).
TEST(Cluster, AFollowerAnswersForwardedWritesAndReadsItsOwnWritesWithoutWaitingForAHeartbeat) {
  Cluster cluster;
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id));
  const int follower = leader % 3 + 1;
  auto c = cluster.client(follower);
  // The outcome is the leader's: versions, created, CAS conflicts, operation results.
  EXPECT_TRUE(IsWriteReply(c.put_key("ryw", "a"), "ryw", 1, true));
  EXPECT_TRUE(IsWriteReply(c.put_key("ryw", "b", 1), "ryw", 2, false));
  EXPECT_EQ(c.put_key("ryw", "c", 1).status, 409);
  EXPECT_TRUE(IsValueReply(c.get_key("ryw"), "b", 2));
  const auto incr = c.request("POST", "/v1/keys/hits?op=incr", "5");
  EXPECT_TRUE(
      IsJsonReply(incr, 200, {{"key", "hits"}, {"version", 1}, {"type", "int"}, {"value", "5"}}));
  EXPECT_TRUE(IsJsonReply(c.delete_key("ryw"), 200, {{"key", "ryw"}, {"deleted", true}}));
  EXPECT_EQ(c.get_key("ryw").status, 404);
  EXPECT_EQ(c.post_batch({{"b1", "x"}, {"b2", "y"}}).json(), nlohmann::json({{"written", 2}}));

  std::vector<double> writes, reads;
  for (int i = 0; i < 40; ++i) {
    const std::string key = numbered("ryw-", i);
    auto started = clock_type::now();
    ASSERT_EQ(c.put_key(key, key).status, 200);
    writes.push_back(
        std::chrono::duration<double, std::milli>(clock_type::now() - started).count());
    started = clock_type::now();
    const auto read = c.get_key(key);  // read-your-writes through the same follower
    reads.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - started).count());
    ASSERT_EQ(read.status, 200) << key;
    ASSERT_EQ(read.body, key);
  }
  std::sort(writes.begin(), writes.end());
  std::sort(reads.begin(), reads.end());
  EXPECT_LT(writes[writes.size() / 2], 25.0) << "median forwarded write, ms";
  EXPECT_LT(reads[reads.size() / 2], 25.0) << "median linearizable read on a follower, ms";
}

// Contract section 11: rev is the same on every member, so a watcher resumes on any member with
// Last-Event-ID, missing and repeating nothing, even on a member behind the one it left.
TEST(Cluster, AWatcherResumesOnAnotherMemberWithNoGapAndNoRepeatWhileWritesGoOn) {
  Cluster cluster;
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id));
  std::atomic<bool> stop{false};
  ThreadsUntilStop writer(stop);
  writer.add([&] {
    auto c = cluster.client(leader);
    for (int i = 0; !stop; ++i) c.put_key(numbered("watched-", i), "v");
  });
  // Live events from the leader, which applies first, then on each follower in turn and back:
  // resuming on a follower means resuming on a member that may not have reached that rev yet.
  const std::vector<int> order = {leader, leader % 3 + 1, (leader + 1) % 3 + 1, leader};
  std::vector<SseEvent> seen = watch_events(cluster, order[0], 15, std::nullopt);
  ASSERT_EQ(seen.size(), 15u);
  for (std::size_t i = 1; i < order.size(); ++i) {
    const auto more = watch_events(cluster, order[i], 15, seen.back().id);
    ASSERT_EQ(more.size(), 15u) << "member " << order[i];
    for (const auto& event : more) {
      ASSERT_EQ(event.event, "") << "member " << order[i] << " rev " << event.id << ": "
                                 << event.data;
      ASSERT_EQ(event.id, seen.back().id + 1) << "a gap or a repeat on member " << order[i];
      seen.push_back(event);
    }
  }
  writer.join();
  // And they are the events the feed holds at those revs.
  const auto reference = feed_of(cluster, leader);
  for (const auto& event : seen) {
    ASSERT_LE(event.id, reference.size());
    EXPECT_EQ("data: " + event.data, reference[event.id - 1]) << "rev " << event.id;
  }
}

TEST(Cluster, KillingTheLeaderUnderWritersLosesNoAcknowledgedWrite) {
  Cluster cluster;
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0);
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id));
  std::vector<int> survivors;
  for (int id = 1; id <= 3; ++id) {
    if (id != leader) survivors.push_back(id);
  }
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      // Through the followers, which forward to whichever member leads.
      KvClient c("127.0.0.1", cluster.member(survivors[w % 2]).http_port);
      for (int i = 0; !stop && i < 2000; ++i) {
        // Appended, not "w" + to_string(w): g++ 12 warns falsely (-Wrestrict) about that here.
        std::string key = "w";
        key.append(std::to_string(w)).append("-").append(std::to_string(i));
        if (c.put_key(key, key).status == 200) {
          std::lock_guard lock(mutex);
          acknowledged.push_back(key);
        }
      }
    });
  }
  std::this_thread::sleep_for(1500ms);
  cluster.kill_member(leader);
  const int next = cluster.wait_for_leader(survivors, 20s, leader);
  EXPECT_NE(next, 0);
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GT(acknowledged.size(), 10u);
  // A linearizable read first, so the local copies listed below hold every acknowledged write.
  ASSERT_EQ(cluster.client(survivors[0]).get_key(acknowledged.back()).status, 200);
  ASSERT_EQ(cluster.client(survivors[1]).get_key(acknowledged.back()).status, 200);
  for (int id : survivors) {
    const auto held = keys_of(cluster, id, "w");
    for (const auto& key : acknowledged) {
      ASSERT_TRUE(held.count(key)) << key << " lost on member " << id;
    }
  }
  // The killed member comes back and catches up: same feed as the others.
  cluster.start(leader);
  ASSERT_TRUE(cluster.wait_ready(leader)) << cluster.log_of(leader);
  const auto give_up = clock_type::now() + 20s;
  for (;;) {
    const auto reference = feed_of(cluster, survivors[0]);
    if (feed_of(cluster, leader) == reference && reference.size() >= acknowledged.size()) break;
    ASSERT_LT(clock_type::now(), give_up) << "the restarted member did not catch up";
    std::this_thread::sleep_for(200ms);
  }
  const auto held = keys_of(cluster, leader, "w");
  for (const auto& key : acknowledged) ASSERT_TRUE(held.count(key)) << key;
}

// A member restarted far behind is not ready (so a Service sends it no clients) until it holds
// what the cluster committed while it was down: its own commit index, which the leader's first
// messages leave at what it had stored, does not count.
TEST(Cluster, ARestartedMemberIsReadyOnlyOnceItHoldsWhatWasCommitted) {
  Cluster cluster;
  cluster.start_all();
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0) << cluster.logs();
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id)) << cluster.log_of(id);
  const int behind = leader % 3 + 1;
  cluster.kill_member(behind);
  auto writer = cluster.client(leader);
  for (int i = 0; i < 1500; ++i) ASSERT_EQ(writer.put_key(numbered("r", i), "v").status, 200);
  const auto committed = cluster.status(leader)["commit_index"].get<std::uint64_t>();
  cluster.start(behind);
  KvClient probe("127.0.0.1", cluster.member(behind).http_port, false);
  probe.http().set_connection_timeout(1, 0);
  const auto give_up = clock_type::now() + 20s;
  while (probe.get("/v1/readiness").status != 200) {
    ASSERT_LT(clock_type::now(), give_up) << "never ready: " << cluster.log_of(behind);
    std::this_thread::sleep_for(5ms);
  }
  const auto status = cluster.status(behind);
  EXPECT_GE(status["applied_index"].get<std::uint64_t>(), committed)
      << "ready before it caught up: " << status.dump();
  EXPECT_EQ(
      cluster.client(behind).get("/v1/keys/" + numbered("r", 1499) + "?consistency=stale").status,
      200);
}

// Each member in turn stopped with SIGTERM (a leader hands over first, then drains) and
// restarted under GET and PUT load: every request ends 2xx, a client going to another member
// only when one refuses the connection, as a Kubernetes Service routes only to ready members.
TEST(Cluster, ARollingRestartUnderLoadAnswersEveryRequestAndLosesNoWrite) {
  Cluster cluster;
  cluster.start_all();
  ASSERT_NE(cluster.wait_for_leader({1, 2, 3}), 0) << cluster.logs();
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id));
  std::array<std::atomic<bool>, 4> routable{};
  for (int id = 1; id <= 3; ++id) routable[id] = true;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::string> failures;
  std::atomic<int> answered{0};
  auto client_loop = [&](int t) {
    int member = t % 3 + 1;
    auto next_member = [&] {
      for (int step = 1; step <= 3; ++step) {
        const int id = (member + step - 1) % 3 + 1;
        if (routable[id]) return id;
      }
      return member % 3 + 1;
    };
    for (int i = 0; !stop; ++i) {
      std::string key = "roll-";
      key.append(std::to_string(t)).append("-").append(std::to_string(i));
      for (const bool is_put : {true, false}) {
        if (!routable[member]) member = next_member();
        for (int attempt = 0;; ++attempt) {
          KvClient c("127.0.0.1", cluster.member(member).http_port, false);
          const auto reply = is_put ? c.put_key(key, key) : c.get_key(key);
          const bool refused = reply.status == -1 && reply.error == "Connection";
          if (refused && attempt < 20) {
            member = next_member();
            std::this_thread::sleep_for(10ms);
            continue;
          }
          std::lock_guard lock(mutex);
          if (reply.status == 200 && (is_put || reply.body == key)) {
            if (is_put) acknowledged.push_back(key);
            ++answered;
          } else {
            failures.push_back((is_put ? "PUT " : "GET ") + key + " on member " +
                               std::to_string(member) + ": " + reply.describe());
          }
          break;
        }
      }
    }
  };
  ThreadsUntilStop clients(stop);
  for (int t = 0; t < 4; ++t) clients.add([&client_loop, t] { client_loop(t); });
  std::this_thread::sleep_for(1s);
  for (int id = 1; id <= 3; ++id) {
    const int leader = cluster.wait_for_leader({1, 2, 3});
    ASSERT_NE(leader, 0);
    routable[id] = false;  // taken out of the Service as its termination starts
    const std::string ended = cluster.terminate_member(id);
    const std::string log = cluster.log_of(id);
    ASSERT_EQ(ended, "exited 0") << "member " << id << " after SIGTERM\n" << log;
    EXPECT_NE(log.find("stopped"), std::string::npos) << log;
    if (id == leader) {
      // The hand-over comes before readiness turns 503 and the drain starts.
      const auto handed = log.find("leadership handed over to member");
      ASSERT_NE(handed, std::string::npos) << log;
      EXPECT_LT(handed, log.find("draining")) << log;
    }
    cluster.start(id);
    ASSERT_TRUE(cluster.wait_ready(id, 30s)) << cluster.log_of(id);
    routable[id] = true;
    std::this_thread::sleep_for(1s);
  }
  clients.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first: " << failures.front();
  ASSERT_GT(acknowledged.size(), 50u);
  for (int id = 1; id <= 3; ++id) {
    // A linearizable read first, so that the local copy listed holds every acknowledged write.
    ASSERT_EQ(cluster.client(id).get_key(acknowledged.back()).status, 200);
    const auto held = keys_of(cluster, id, "roll-");
    for (const auto& key : acknowledged) ASSERT_TRUE(held.count(key)) << key << " on " << id;
  }
}

TEST(Cluster, WithoutAQuorumWritesAre503AndStaleReadsAnswer) {
  Cluster cluster;
  cluster.start_all();
  ASSERT_NE(cluster.wait_for_leader({1, 2, 3}), 0) << cluster.logs();
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id));
  ASSERT_EQ(cluster.client(1).put_key("kept", "yes").status, 200);
  ASSERT_EQ(cluster.client(3).get_key("kept").status, 200);
  cluster.kill_member(1);
  cluster.kill_member(2);
  auto c = cluster.client(3);
  EXPECT_EQ(c.put_key("lost", "no").status, 503);
  const auto stale = c.get("/v1/keys/kept?consistency=stale");
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, "yes");
  EXPECT_EQ(c.get_key("kept").status, 503);  // linearizable needs a leader
}

TEST(Cluster, AWipedMemberAloneNeverStartsAClusterAndDisagreeingPeersExit2) {
  Cluster cluster;
  // Without --bootstrap a member with an empty data dir waits for a leader and never leads.
  cluster.start(2);
  std::this_thread::sleep_for(3s);
  const auto s = cluster.status(2);
  ASSERT_FALSE(s.is_null()) << cluster.log_of(2);
  EXPECT_TRUE(s["leader"].is_null());
  EXPECT_NE(s["role"], "leader");
  EXPECT_EQ(cluster.client(2).put_key("a", "b").status, 503);
  cluster.kill_member(2, SIGTERM);

  // A member that stored a membership refuses a config whose peers differ: exit 2, one line.
  cluster.start_all();
  ASSERT_NE(cluster.wait_for_leader({1, 2, 3}), 0) << cluster.logs();
  ASSERT_TRUE(cluster.wait_ready(3));
  ASSERT_EQ(cluster.client(3).put_key("stored", "yes").status, 200);
  cluster.kill_member(3, SIGTERM);
  TempDir other;
  std::string config;
  {
    std::ifstream in(cluster.member(3).config);
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto pos = config.find("peers = [");
  config.insert(pos + 9, "\"127.0.0.1:" + std::to_string(pick_free_port()) + "\", ");
  const auto http_pos = config.find("http_peers = [");
  config.insert(http_pos + 14, "\"127.0.0.1:" + std::to_string(pick_free_port()) + "\", ");
  config.replace(config.find("node_id = 3"), 11, "node_id = 4");
  const auto path = other.write_file("changed.toml", config);
  const auto run = run_kvnode({"--config", path}, 20s);
  EXPECT_TRUE(run.status.exited_with(2)) << run.status.describe() << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("disagree with the membership stored"), std::string::npos)
      << run.stderr_text;
}

// A wiped member given --bootstrap again (the first pod of a StatefulSet whose volume was lost)
// must not start a second cluster beside the first: it rejoins it and catches up.
TEST(Cluster, BootstrapOnAWipedVolumeRejoinsWhenThePeersFormACluster) {
  Cluster cluster;
  cluster.start_all();
  ASSERT_NE(cluster.wait_for_leader({1, 2, 3}), 0) << cluster.logs();
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(cluster.wait_ready(id));
  ASSERT_EQ(cluster.client(1).put_key("kept", "yes").status, 200);
  cluster.kill_member(1, SIGTERM);
  std::filesystem::remove_all(cluster.member(1).data_dir);
  cluster.start(1, /*bootstrap=*/true);
  const int leader = cluster.wait_for_leader({1, 2, 3});
  ASSERT_NE(leader, 0) << cluster.log_of(1);
  EXPECT_NE(leader, 1) << "the wiped member leads: it started a cluster of its own";
  EXPECT_NE(cluster.log_of(1).find("--bootstrap ignored"), std::string::npos) << cluster.log_of(1);
  // It holds what the cluster had before it was wiped, and takes part in new writes.
  ASSERT_EQ(cluster.client(1).put_key("after", "too").status, 200);
  for (int id = 1; id <= 3; ++id) {
    EXPECT_EQ(cluster.client(id).get_key("kept").body, "yes") << "member " << id;
    EXPECT_EQ(cluster.client(id).get_key("after").body, "too") << "member " << id;
  }
  EXPECT_EQ(cluster.status(leader)["members"].size(), 3u);
}

TEST(Cluster, ARaftPortInUseExits1) {
  Cluster cluster(1);
  const int blocker = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(cluster.member(1).raft_port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(blocker, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(blocker, 1), 0);
  const auto run = run_kvnode({"--config", cluster.member(1).config, "--bootstrap"}, 20s);
  close(blocker);
  EXPECT_TRUE(run.status.exited_with(1)) << run.status.describe() << run.stderr_text;
}

// What cluster mode cannot carry yet (the change log): refused, not ignored.
TEST(Cluster, TransportsNotReplicatedYetAreRefusedWithExit2) {
  Cluster cluster(1);
  const auto changelog = run_kvnode(
      {"--config", cluster.member(1).config, "--changelog-postgres", "host=127.0.0.1"}, 20s);
  EXPECT_TRUE(changelog.status.exited_with(2))
      << changelog.status.describe() << changelog.stderr_text;
  EXPECT_NE(changelog.stderr_text.find("[cluster] does not work"), std::string::npos)
      << changelog.stderr_text;
}

}  // namespace
}  // namespace kvtest
