#include "node/cluster_member.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "actors/cluster_forwarded_write.hpp"
#include "actors/cluster_gate.hpp"
#include "cluster/command.hpp"
#include "core/thread_name.hpp"
#include "node/member_http.hpp"

namespace kv {
namespace {

constexpr std::size_t forward_threads = 8;
// How long readiness waits for a follower to reach the leader's commit index: within a
// Kubernetes probe's timeout (the manifests give it 2 s).
constexpr auto readiness_catch_up_wait = std::chrono::milliseconds(1000);

std::string_view role_name(cluster::role r) {
  switch (r) {
    case cluster::role::follower:
      return "follower";
    case cluster::role::candidate:
      return "candidate";
    case cluster::role::leader:
      return "leader";
    default:
      return "unavailable";
  }
}

// Blocking HTTP calls to the leader, on threads of their own; one keep-alive client per thread
// and address, with the members' TLS and token.
class forwarder {
 public:
  forwarder(std::vector<std::string> http_addresses, member_http_access access)
      : addresses_(std::move(http_addresses)), access_(std::move(access)) {
    for (std::size_t i = 0; i < forward_threads; ++i) {
      threads_.push_back(named_thread("kv.forward", [this] { run(); }));
    }
  }
  ~forwarder() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // The leader's reply (its outcomes, see cluster_gate::forwarder), or nullopt. Writes waiting
  // at the same time for the same leader share one call, as reads share a barrier: the forward
  // threads, not the leader, would otherwise bound how many writes a follower has in flight.
  void propose(std::uint64_t leader, std::string entry,
               std::function<void(std::optional<std::string>)> done) {
    {
      std::lock_guard lock(proposals_mutex_);
      proposals_.push_back({leader, std::move(entry), std::move(done)});
    }
    post([this] { send_proposals(); });
  }

  // The leader's read index for a batch of reads (cluster_gate batches them, one at a time).
  void read_index(std::uint64_t leader, std::function<void(std::optional<std::uint64_t>)> done) {
    post([this, leader, done = std::move(done)] { done(leader_read_index(leader)); });
  }

  std::string address_of(std::uint64_t id) const {
    return id >= 1 && id <= addresses_.size() ? addresses_[id - 1] : std::string();
  }

 private:
  std::optional<std::uint64_t> leader_read_index(std::uint64_t leader) {
    auto* client = client_for(leader);
    if (client == nullptr) return std::nullopt;
    auto res = client->Get("/v1/cluster/read_index");
    if (!res || res->status != 200) {
      report_failure(leader, res);
      return std::nullopt;
    }
    try {
      return nlohmann::json::parse(res->body).at("index").get<std::uint64_t>();
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  httplib::Client* client_for(std::uint64_t id) {
    const std::string address = address_of(id);
    if (address.empty()) return nullptr;
    thread_local std::unordered_map<std::string, std::unique_ptr<httplib::Client>> clients;
    auto& client = clients[address];
    if (!client) {
      client = make_member_client(address, access_);
      client->set_keep_alive(true);
      client->set_tcp_nodelay(true);  // else delayed ACKs add ~40 ms to every forwarded call
      client->set_connection_timeout(1, 0);
      client->set_read_timeout(6, 0);
      client->set_write_timeout(6, 0);
    }
    return client.get();
  }

  struct proposal {
    std::uint64_t leader = 0;
    std::string entry;  // framed commands
    std::function<void(std::optional<std::string>)> done;
  };

  // Sends every waiting proposal for the first one's leader in one call, and hands each its
  // share of the outcomes (framed, as the leader answers one proposal).
  void send_proposals() {
    std::vector<proposal> batch;
    {
      std::lock_guard lock(proposals_mutex_);
      if (proposals_.empty()) return;
      const std::uint64_t leader = proposals_.front().leader;
      std::deque<proposal> others;
      for (auto& p : proposals_) {
        if (p.leader == leader) {
          batch.push_back(std::move(p));
        } else {
          others.push_back(std::move(p));
        }
      }
      proposals_.swap(others);
    }
    const std::uint64_t leader = batch.front().leader;
    std::vector<std::string> commands;
    std::vector<std::size_t> counts;
    for (const auto& p : batch) {
      const auto framed = cluster::unframe(p.entry);
      commands.insert(commands.end(), framed.begin(), framed.end());
      counts.push_back(framed.size());
    }
    std::string reply;  // the outcomes below are views into it
    std::vector<std::string_view> outcomes;
    if (auto* client = client_for(leader)) {
      auto res =
          client->Post("/v1/cluster/propose", cluster::frame(commands), "application/octet-stream");
      if (res && res->status == 200) {
        reply = std::move(res->body);
        try {
          outcomes = cluster::unframe(reply);
        } catch (const std::exception&) {
          outcomes.clear();
        }
      } else {
        report_failure(leader, res);
      }
    }
    std::size_t next = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (outcomes.size() != commands.size()) {
        batch[i].done(std::nullopt);
        continue;
      }
      const auto first = outcomes.begin() + static_cast<std::ptrdiff_t>(next);
      const std::vector<std::string> share(first, first + static_cast<std::ptrdiff_t>(counts[i]));
      next += counts[i];
      batch[i].done(cluster::frame(share));
    }
  }

  // Why a call to the leader failed (a refused token or certificate, say), at most once a
  // second: the client only sees its request time out.
  void report_failure(std::uint64_t leader, const httplib::Result& res) {
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = last_report_.load(std::memory_order_relaxed);
    if (now - last < std::chrono::nanoseconds(std::chrono::seconds(1)).count() ||
        !last_report_.compare_exchange_strong(last, now)) {
      return;
    }
    if (res) {
      spdlog::warn("raft: the leader (member {}, {}) answered {}: {}", leader, address_of(leader),
                   res->status, res->body.substr(0, 200));
    } else {
      spdlog::warn("raft: no answer from the leader (member {}, {}): {}", leader,
                   address_of(leader), httplib::to_string(res.error()));
    }
  }

  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::vector<std::string> addresses_;
  const member_http_access access_;
  std::atomic<std::int64_t> last_report_{0};
  std::mutex proposals_mutex_;
  std::deque<proposal> proposals_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// --bootstrap on an empty data dir starts a new cluster: refused when a configured peer already
// belongs to one (its volume was wiped, say), as two clusters would then serve the same keys.
// What a peer that knows a leader or a membership answers, else nullopt (none does, or none
// answers: the first start of them all).
std::optional<std::string> existing_cluster(const std::vector<std::string>& http_addresses,
                                            std::uint64_t self, const member_http_access& access) {
  for (std::size_t i = 0; i < http_addresses.size(); ++i) {
    if (i + 1 == self) continue;
    const auto client = make_member_client(http_addresses[i], access);
    client->set_connection_timeout(1, 0);
    client->set_read_timeout(2, 0);
    const auto res = client->Get("/v1/cluster");
    if (!res || res->status != 200) continue;
    const auto body = nlohmann::json::parse(res->body, nullptr, false);
    if (!body.is_object()) continue;
    const auto leader = body.value("leader", nlohmann::json());
    const auto members = body.value("members", nlohmann::json::array());
    if (leader.is_null() && (!members.is_array() || members.empty())) continue;
    return "member " + std::to_string(i + 1) + " (" + http_addresses[i] + ") knows " +
           (leader.is_null() ? "a membership" : "leader " + leader.dump());
  }
  return std::nullopt;
}

}  // namespace

struct cluster_member::impl {
  std::shared_ptr<cluster_gate> gate;
  std::unique_ptr<forwarder> forward;
  std::unique_ptr<cluster::replicated_log> log;
  std::shared_ptr<http::server_options::cluster_hooks> hooks;
  std::vector<cluster::peer> peers;
};

cluster_member::cluster_member(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

cluster_member::~cluster_member() {
  stop();
}

std::unique_ptr<cluster_member> cluster_member::start(const node_config& config,
                                                      store_runtime& runtime, int& exit_status) {
  const auto& cluster = *config.cluster;
  member_http_access access;
  try {
    access = load_member_http_access(config);
  } catch (const config_error& e) {
    spdlog::critical("{}", e.what());
    exit_status = 2;
    return nullptr;
  }
  auto state = std::make_unique<impl>();
  state->gate = runtime.cluster_gate();
  // Peers are kept by the names configured (the stored membership too): the raft transport
  // resolves a name at each connect, so a pod that returns with a new address is still itself.
  std::vector<std::string> http_addresses;
  for (std::size_t i = 0; i < cluster.peers.size(); ++i) {
    state->peers.push_back({i + 1, cluster.peers[i]});
    if (!cluster.http_peers.empty()) {
      http_addresses.push_back(cluster.http_peers[i]);
    } else {
      const auto host = cluster.peers[i].substr(0, cluster.peers[i].rfind(':'));
      http_addresses.push_back(host + ":" + std::to_string(config.http_listen.port));
    }
  }
  const auto listen = cluster::resolve_ipv4(cluster.raft_listen);
  if (!listen) {
    spdlog::critical("cluster.raft_listen: cannot resolve {} to an IPv4 address",
                     cluster.raft_listen);
    exit_status = 2;
    return nullptr;
  }
  cluster::log_options options;
  options.id = cluster.node_id;
  options.listen = *listen;
  options.peers = state->peers;
  options.dir = (std::filesystem::path(config.data_dir) / "raft").string();
  options.bootstrap = config.bootstrap;
  options.election_timeout_ms = cluster.election_timeout_ms;
  // A follower learns that an entry committed from the leader's next message: a write through
  // a follower waits for it, so heartbeats come often (raft 0.15 sends no early commit notice).
  options.heartbeat_timeout_ms = std::max(20u, cluster.election_timeout_ms / 40);
  options.snapshot_threshold = cluster.snapshot_threshold;
  options.snapshot_trailing = cluster.snapshot_threshold / 2;
  options.install_snapshot_timeout_ms = cluster.install_snapshot_timeout_ms;
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    spdlog::critical("cannot create {}: {}", options.dir, ec.message());
    exit_status = 2;
    return nullptr;
  }
  const bool pristine = std::filesystem::is_empty(options.dir, ec);
  if (!config.bootstrap && pristine) {
    spdlog::info(
        "raft: {} is empty and --bootstrap was not given: waiting to be joined by the "
        "cluster's leader",
        options.dir);
  }
  if (config.bootstrap && pristine) {
    // A wiped member (a Kubernetes pod whose volume was lost) rejoins, as it would without
    // --bootstrap: a second cluster beside the first would serve the same keys apart.
    if (const auto other = existing_cluster(http_addresses, cluster.node_id, access)) {
      spdlog::warn(
          "--bootstrap ignored: {} is empty but the peers already form a cluster ({}); waiting "
          "to be joined by its leader",
          options.dir, *other);
      options.bootstrap = false;
    }
  }
  cluster::start_error error;
  state->log = cluster::make_raft_log(options, runtime.cluster_hooks(), error);
  if (!state->log) {
    spdlog::critical("{}", error.message);
    exit_status = error.exit_status;
    return nullptr;
  }
  state->forward = std::make_unique<forwarder>(http_addresses, access);
  auto* forward = state->forward.get();
  state->gate->attach(
      state->log.get(),
      cluster_gate::forwarder{
          [forward](std::uint64_t leader, std::string entry,
                    std::function<void(std::optional<std::string>)> done) {
            forward->propose(leader, std::move(entry), std::move(done));
          },
          [forward](std::uint64_t leader, std::function<void(std::optional<std::uint64_t>)> done) {
            forward->read_index(leader, std::move(done));
          }});

  auto hooks = std::make_shared<http::server_options::cluster_hooks>();
  auto* log = state->log.get();
  auto* gate = state->gate.get();
  hooks->status_json = [log, gate, forward, node_id = cluster.node_id] {
    const auto status = log->status();
    nlohmann::json members = nlohmann::json::array();
    for (const auto& member : status.members) {
      members.push_back({{"id", member.id},
                         {"raft_address", member.address},
                         {"http_address", forward->address_of(member.id)},
                         {"role", member.id == status.leader_id ? "leader"
                                  : member.id == node_id ? std::string(role_name(status.state))
                                                         : "follower"}});
    }
    nlohmann::json body = {
        {"id", node_id},
        {"role", role_name(status.state)},
        {"term", status.term},
        {"commit_index", status.commit_index},
        {"applied_index", status.applied_index},
        {"applied_entries", gate->applied_sequence()},
        {"leader",
         status.leader_id == 0 ? nlohmann::json(nullptr) : nlohmann::json(status.leader_id)},
        {"leader_http_address", status.leader_id == 0
                                    ? nlohmann::json(nullptr)
                                    : nlohmann::json(forward->address_of(status.leader_id))},
        {"members", members}};
    return body.dump();
  };
  // A follower's own commit index may trail the leader's by the whole log it has yet to fetch
  // (after a restart it is what it had stored), so it is caught up only once a read as of now
  // on the leader, served here, would not wait long: readiness must not send it clients early.
  hooks->caught_up = [log, gate](std::function<void(bool)> then) {
    const auto status = log->status();
    if (status.leader_id == 0 || status.commit_index == 0 ||
        status.applied_index < status.commit_index) {
      return then(false);
    }
    if (status.state == cluster::role::leader) return then(true);
    gate->linearize_within(readiness_catch_up_wait, std::move(then));
  };
  hooks->metrics_text = [log] {
    const auto s = log->status();
    std::string text;
    auto gauge = [&text](const char* name, const char* help, const char* type, std::uint64_t v) {
      text += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
              name + " " + std::to_string(v) + "\n";
    };
    gauge("kv_raft_term", "Current raft term of this member.", "gauge", s.term);
    gauge("kv_raft_commit_index", "Highest raft log index known committed.", "gauge",
          s.commit_index);
    gauge("kv_raft_applied_index", "Highest raft log index applied on this member.", "gauge",
          s.applied_index);
    gauge("kv_raft_is_leader", "1 if this member leads.", "gauge",
          s.state == cluster::role::leader ? 1 : 0);
    gauge("kv_raft_leader_changes_total", "Leaders seen by this member since it started.",
          "counter", s.leader_changes);
    return text;
  };
  hooks->propose = [log, gate](const std::string& body,
                               std::function<void(int, std::string)> done) {
    std::vector<std::string> commands;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> ids;
    try {
      for (const auto command : cluster::unframe(body)) {
        const auto decoded = cluster::decode(command);
        commands.emplace_back(command);
        ids.emplace_back(decoded.origin, decoded.request_id);
      }
    } catch (const std::exception& e) {
      return done(400, e.what());
    }
    forwarded_write::start(*log, *gate, std::move(commands), std::move(ids), std::move(done));
  };
  hooks->read_index = [log](std::function<void(std::optional<std::uint64_t>)> done) {
    log->read_index(std::move(done));
  };
  hooks->linearize = [gate](std::function<void(bool)> then) { gate->linearize(std::move(then)); };
  state->hooks = std::move(hooks);
  spdlog::info("raft: member {} of {} on {} (data in {})", cluster.node_id, cluster.peers.size(),
               options.listen, options.dir);
  return std::unique_ptr<cluster_member>(new cluster_member(std::move(state)));
}

std::shared_ptr<const http::server_options::cluster_hooks> cluster_member::http_hooks() const {
  return impl_->hooks;
}

void cluster_member::transfer_leadership() {
  if (!impl_->log || impl_->log->status().state != cluster::role::leader) return;
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  impl_->log->transfer_leadership([done] { done->set_value(); });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  future.wait_until(give_up);
  // The status is refreshed by the engine's loop: wait until it names the new leader.
  const auto self = impl_->log->status().id;
  for (;;) {
    const auto leader = impl_->log->status().leader_id;
    if (leader != 0 && leader != self) {
      spdlog::info("raft: leadership handed over to member {}", leader);
      return;
    }
    if (std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  spdlog::warn("raft: no other member took the leadership over");
}

void cluster_member::stop() {
  if (!impl_ || !impl_->log) return;
  impl_->gate->detach();
  impl_->log->stop();
  impl_->forward.reset();
  impl_->log.reset();
}

}  // namespace kv
