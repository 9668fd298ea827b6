// Three kvnode cluster members in network namespaces of their own: see namespaced_cluster.hpp.
#include "tests/support/namespaced_cluster.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/kv_client.hpp"

namespace kvtest {
namespace {

std::string link_of(int id) {
  return "kvfv" + std::to_string(id);
}

}  // namespace

NamespacedCluster::NamespacedCluster() : hub_(std::make_unique<PrivateNetwork>()) {
  members_.resize(size());
  if (!hub_->error().empty()) {
    error_ = hub_->error();
    return;
  }
  // Names of namespaces are global: the pid keeps two test runs apart.
  const std::string base = "kvf" + std::to_string(getpid()) + "-";
  auto must = [this](const std::string& args) {
    const auto result = run_ip(args);
    if (result.status != 0 && error_.empty()) error_ = "ip " + args + ": " + result.output;
  };
  must("link add kvfbr type bridge");
  must("addr add 10.0.0.254/24 dev kvfbr");
  must("link set kvfbr up");
  std::string peers;
  std::string http_peers;
  for (int id = 1; id <= size(); ++id) {
    peers += (id > 1 ? ", \"" : "\"") + host(id) + ":" + std::to_string(raft_port) + "\"";
    http_peers += (id > 1 ? ", \"" : "\"") + host(id) + ":" + std::to_string(http_port) + "\"";
  }
  for (int id = 1; id <= size() && error_.empty(); ++id) {
    Member& m = members_[id - 1];
    m.ns = std::make_unique<NamedNetns>(base + std::to_string(id));
    if (!m.ns->error().empty()) {
      error_ = m.ns->error();
      break;
    }
    must("link add " + link_of(id) + " type veth peer name eth0 netns " + netns(id));
    must("link set " + link_of(id) + " master kvfbr up");
    must("-n " + netns(id) + " addr add " + host(id) + "/24 dev eth0");
    must("-n " + netns(id) + " link set eth0 up");
    const auto data_dir = dir_.path() / ("member-" + std::to_string(id));
    std::ostringstream text;
    text << "[node]\nid = \"member-" << id << "\"\ndata_dir = \"" << data_dir.string()
         << "\"\n[http]\nlisten = \"" << host(id) << ":" << http_port
         << "\"\n[feed]\nzmq_endpoint = \"tcp://" << host(id) << ":" << feed_port
         << "\"\n[cluster]\nnode_id = " << id << "\npeers = [" << peers << "]\nraft_listen = \""
         << host(id) << ":" << raft_port << "\"\nhttp_peers = [" << http_peers << "]\n";
    m.config = dir_.write_file("member-" + std::to_string(id) + ".toml", text.str());
    m.log = (dir_.path() / ("member-" + std::to_string(id) + ".log")).string();
  }
}

NamespacedCluster::~NamespacedCluster() {
  for (int id = 1; id <= size(); ++id) kill_member(id);
  // The namespaces go first (their veth ends with them), then the hub with the bridge.
  members_.clear();
  hub_.reset();
}

void NamespacedCluster::start(int id, bool bootstrap) {
  Member& m = members_[id - 1];
  // Everything the child needs is made before fork: it only calls async-signal-safe functions.
  const int ns = open_netns(netns(id));
  const std::string binary = kvnode_binary();
  const pid_t pid = fork();
  if (pid == 0) {
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(126);
    const int out = open(m.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, 1);
    dup2(out, 2);
    execl(binary.c_str(), binary.c_str(), "--config", m.config.c_str(),
          bootstrap ? "--bootstrap" : static_cast<char*>(nullptr), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (ns >= 0) close(ns);
  m.pid = pid;
}

void NamespacedCluster::start_all() {
  start(1, true);
  for (int id = 2; id <= size(); ++id) start(id);
}

void NamespacedCluster::kill_member(int id) {
  Member& m = members_[id - 1];
  if (m.pid <= 0) return;
  kill(m.pid, SIGKILL);
  waitpid(m.pid, nullptr, 0);
  m.pid = -1;
}

bool NamespacedCluster::cut(int id) {
  return run_ip("link set " + link_of(id) + " down").status == 0;
}

bool NamespacedCluster::heal(int id) {
  return run_ip("link set " + link_of(id) + " up").status == 0;
}

nlohmann::json NamespacedCluster::status(int id, bool inside) {
  auto ask = [this, id]() -> nlohmann::json {
    KvClient c(host(id), http_port, false);
    c.http().set_connection_timeout(1, 0);
    c.http().set_read_timeout(2, 0);
    const auto reply = c.get("/v1/cluster");
    if (reply.status != 200) return nullptr;
    return reply.json();
  };
  return inside ? in_netns(netns(id), ask) : ask();
}

int NamespacedCluster::wait_for_leader(const std::vector<int>& ids,
                                       std::chrono::milliseconds timeout, int not_this) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    std::set<int> leaders;
    for (int id : ids) {
      const auto s = status(id);
      leaders.insert(s.is_null() || s["leader"].is_null() ? 0 : s["leader"].get<int>());
    }
    if (leaders.size() == 1 && *leaders.begin() != 0 && *leaders.begin() != not_this) {
      return *leaders.begin();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

bool NamespacedCluster::wait_ready(int id, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    KvClient c(host(id), http_port, false);
    c.http().set_connection_timeout(1, 0);
    if (c.get("/v1/readiness").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string NamespacedCluster::log_of(int id) const {
  std::ifstream in(members_[id - 1].log);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace kvtest
