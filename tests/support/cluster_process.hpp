// Three (or more) real kvnodes in a raft cluster on loopback, for the cluster tests: their
// ports, configs and processes, and helpers to find the leader, wait for readiness and read feeds.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {

using cluster_clock = std::chrono::steady_clock;

// One member: its ports, data dir and config, and the process while it runs.
struct Member {
  int id = 0;
  std::uint16_t http_port = 0;
  std::uint16_t raft_port = 0;
  std::uint16_t feed_port = 0;
  std::string config;
  std::filesystem::path data_dir;
  pid_t pid = -1;
  std::string log;
};

class Cluster {
 public:
  // `peer_host` names every member in cluster.peers: "localhost" checks that names work.
  explicit Cluster(int size = 3, std::string peer_host = "127.0.0.1")
      : peer_host_(std::move(peer_host)) {
    for (int i = 1; i <= size; ++i) {
      Member m;
      m.id = i;
      m.http_port = pick_free_port();
      m.raft_port = pick_free_port();
      m.feed_port = pick_free_port();
      m.data_dir = dir_.path() / ("member-" + std::to_string(i));
      m.log = (dir_.path() / ("member-" + std::to_string(i) + ".log")).string();
      members_.push_back(m);
    }
    for (auto& m : members_) m.config = write_config(m, peers());
  }
  ~Cluster() {
    for (auto& m : members_) kill_member(m.id);
  }

  std::string peers() const {
    std::string list;
    for (const auto& m : members_) {
      list += (list.empty() ? "" : ", ") + std::string("\"") + peer_host_ + ":" +
              std::to_string(m.raft_port) + "\"";
    }
    return list;
  }

  std::string write_config(const Member& m, const std::string& peer_list) {
    std::string http_peers;
    for (const auto& other : members_) {
      http_peers += (http_peers.empty() ? "" : ", ") + std::string("\"127.0.0.1:") +
                    std::to_string(other.http_port) + "\"";
    }
    std::ostringstream text;
    text << "[node]\nid = \"member-" << m.id << "\"\ndata_dir = \"" << m.data_dir.string()
         << "\"\n[http]\nlisten = \"127.0.0.1:" << m.http_port
         << "\"\n[feed]\nzmq_endpoint = \"tcp://127.0.0.1:" << m.feed_port
         << "\"\n[cluster]\nnode_id = " << m.id << "\npeers = [" << peer_list
         << "]\nraft_listen = \"127.0.0.1:" << m.raft_port << "\"\nhttp_peers = [" << http_peers
         << "]\n";
    return dir_.write_file("member-" + std::to_string(m.id) + ".toml", text.str());
  }

  // Adds `text` at the end of every member's config, which ends inside its [cluster] table.
  void append_to_configs(const std::string& text) {
    for (const auto& m : members_) append_to_config(m.id, text);
  }
  void append_to_config(int id, const std::string& text) {
    std::ofstream(member(id).config, std::ios::app) << text;
  }

  Member& member(int id) { return members_[id - 1]; }
  int size() const { return static_cast<int>(members_.size()); }

  void start(int id, bool bootstrap = false) {
    Member& m = member(id);
    const pid_t pid = fork();
    if (pid == 0) {
      const int out = open(m.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(out, 1);
      dup2(out, 2);
      const std::string binary = kvnode_binary();
      if (bootstrap) {
        execl(binary.c_str(), binary.c_str(), "--config", m.config.c_str(), "--bootstrap",
              static_cast<char*>(nullptr));
      } else {
        execl(binary.c_str(), binary.c_str(), "--config", m.config.c_str(),
              static_cast<char*>(nullptr));
      }
      _exit(127);
    }
    m.pid = pid;
  }

  void start_all() {
    start(1, true);
    for (int id = 2; id <= size(); ++id) start(id);
  }

  void kill_member(int id, int sig = SIGKILL) {
    Member& m = member(id);
    if (m.pid <= 0) return;
    kill(m.pid, sig);
    if (sig == SIGKILL || sig == SIGTERM) {
      int status = 0;
      waitpid(m.pid, &status, 0);
      m.pid = -1;
    }
  }

  // SIGTERM, then up to `timeout` for the member to exit; false (after a SIGKILL) if it did not.
  // SIGTERM, then waits for the member to exit: "exited 0" when it stopped cleanly, else how
  // it ended ("killed by signal N", "exited N", or "did not exit" after `timeout`).
  std::string terminate_member(int id,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    Member& m = member(id);
    if (m.pid <= 0) return "exited 0";
    kill(m.pid, SIGTERM);
    const auto give_up = cluster_clock::now() + timeout;
    int status = 0;
    while (waitpid(m.pid, &status, WNOHANG) == 0) {
      if (cluster_clock::now() >= give_up) {
        kill_member(id);
        return "did not exit";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m.pid = -1;
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exited " + std::to_string(WEXITSTATUS(status));
  }

  KvClient client(int id) { return KvClient("127.0.0.1", member(id).http_port); }

  // GET /v1/cluster of a member, or null when it does not answer.
  nlohmann::json status(int id) {
    KvClient c("127.0.0.1", member(id).http_port, false);
    c.http().set_connection_timeout(1, 0);
    c.http().set_read_timeout(2, 0);
    const auto reply = c.get("/v1/cluster");
    if (reply.status != 200) return nullptr;
    return reply.json();
  }

  // The leader every running member in `ids` agrees on, waiting up to `timeout`.
  int wait_for_leader(const std::vector<int>& ids,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20),
                      int not_this = 0) {
    const auto give_up = cluster_clock::now() + timeout;
    while (cluster_clock::now() < give_up) {
      std::set<int> leaders;
      bool all = true;
      for (int id : ids) {
        const auto s = status(id);
        if (s.is_null() || s["leader"].is_null()) {
          all = false;
          break;
        }
        leaders.insert(s["leader"].get<int>());
      }
      if (all && leaders.size() == 1 && *leaders.begin() != not_this) return *leaders.begin();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  bool wait_ready(int id, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto give_up = cluster_clock::now() + timeout;
    while (cluster_clock::now() < give_up) {
      KvClient c("127.0.0.1", member(id).http_port, false);
      c.http().set_connection_timeout(1, 0);
      if (c.get("/v1/readiness").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string log_of(int id) {
    std::ifstream in(member(id).log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Every member's log, each under a line naming the member: what a failed start is read from.
  std::string logs() {
    std::string all;
    for (std::size_t id = 1; id <= members_.size(); ++id) {
      all += "--- member " + std::to_string(id) + "\n" + log_of(static_cast<int>(id));
    }
    return all;
  }

 private:
  std::string peer_host_;
  TempDir dir_;
  std::vector<Member> members_;
};

// Every event of a member's feed so far, as text lines without ts_ms (identical anyway).
inline std::vector<std::string> feed_of(Cluster& cluster, int id) {
  KvClient c("127.0.0.1", cluster.member(id).http_port, false);
  c.http().set_read_timeout(1, 0);
  std::string body;
  c.http().Get("/v1/watch?since_rev=0", [&](const char* data, std::size_t n) {
    body.append(data, n);
    return true;  // the read timeout ends the stream once the replay is in
  });
  std::vector<std::string> events;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("data: ")) events.push_back(line);
  }
  return events;
}

// Every key a member holds under `prefix`, listed page by page from its local copy.
inline std::set<std::string> keys_of(Cluster& cluster, int id, const std::string& prefix) {
  std::set<std::string> keys;
  auto c = cluster.client(id);
  std::string after;
  for (;;) {
    std::string target = "/v1/keys?consistency=stale&limit=10000&prefix=" + prefix;
    if (!after.empty()) target += "&after=" + after;
    const auto reply = c.get(target);
    if (reply.status != 200) return keys;
    const auto body = reply.json();
    for (const auto& key : body["keys"]) keys.insert(key.get<std::string>());
    if (body["next"].is_null()) return keys;
    after = body["next"].get<std::string>();
  }
}

// Threads that run until `stop`: stopped and joined when it goes out of scope, so that a failed
// ASSERT in the middle of a test does not leave them running.
class ThreadsUntilStop {
 public:
  explicit ThreadsUntilStop(std::atomic<bool>& stop) : stop_(stop) {}
  ~ThreadsUntilStop() { join(); }
  template <class F>
  void add(F f) {
    threads_.emplace_back(std::move(f));
  }
  void join() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::atomic<bool>& stop_;
  std::vector<std::thread> threads_;
};

// One server-sent event of GET /v1/watch: its id and data line ("event: reset" has event set).
struct SseEvent {
  std::uint64_t id = 0;
  std::string event;
  std::string data;
};

// The first `count` events (messages with data) of a member's /v1/watch stream, sent with
// Last-Event-ID `last_event_id` when it is set; fewer when the stream stops or `wait` passes.
inline std::vector<SseEvent> watch_events(
    Cluster& cluster, int id, std::size_t count, std::optional<std::uint64_t> last_event_id,
    std::chrono::milliseconds wait = std::chrono::seconds(10)) {
  httplib::Client c("127.0.0.1", cluster.member(id).http_port);
  c.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(wait).count(), 0);
  httplib::Headers headers;
  if (last_event_id) headers.emplace("Last-Event-ID", std::to_string(*last_event_id));
  std::vector<SseEvent> events;
  std::string buffer;
  const auto give_up = cluster_clock::now() + wait;
  c.Get("/v1/watch", headers, [&](const char* data, std::size_t n) {
    buffer.append(data, n);
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      SseEvent event;
      std::istringstream lines(buffer.substr(0, end));
      buffer.erase(0, end + 2);
      for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("id: ")) event.id = std::stoull(line.substr(4));
        if (line.starts_with("event: ")) event.event = line.substr(7);
        if (line.starts_with("data: ")) event.data = line.substr(6);
      }
      if (!event.data.empty()) events.push_back(std::move(event));
    }
    return events.size() < count && cluster_clock::now() < give_up;
  });
  return events;
}

}  // namespace kvtest
