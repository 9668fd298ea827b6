// replicated_log on Canonical's raft 0.15 (Debian's libraft-dev) with its raft_uv I/O: the
// raft instance, its libuv loop and a thread running that loop. Work from other threads comes
// in through a locked task list and uv_async_send; nothing here calls raft from inside a raft
// callback (a callback that needs raft again posts a task), as the spike found that to crash
// when a leader had just stepped down.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/command.hpp"
#include "cluster/replicated_log.hpp"
#include "cluster/resolving_transport.hpp"
#include "core/thread_name.hpp"

namespace kv::cluster {
namespace {

// An entry holds at most this many command bytes; more waiting commands go in further entries.
constexpr std::size_t max_entry_bytes = 4 << 20;
// How often the loop thread refreshes the status and looks at reads waiting for an index.
constexpr unsigned tick_ms = 2;
// raft_uv's segment size (its default, set explicitly for the reserve below).
constexpr std::size_t segment_bytes = 8 << 20;
// raft_uv 0.15 cannot go on once a new segment does not fit on its disk: a leader crashed in
// libraft (SIGSEGV), a follower stopped appending for good and stayed so after space was freed.
// So a member keeps room for two more segments, and stops (exit 1) when it has less: it leaves the
// cluster as a killed member would, and a restart once there is space catches it up.
constexpr std::uint64_t reserve_bytes = 2 * segment_bytes;
constexpr auto space_check_interval = std::chrono::milliseconds(500);

// Why `dir` is short of the reserve, if it is.
std::optional<std::string> short_of_space(const std::string& dir) {
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return std::nullopt;
  const std::uint64_t available = std::uint64_t{fs.f_bavail} * fs.f_frsize;
  if (available >= reserve_bytes) return std::nullopt;
  return "raft storage in " + dir + " has " + std::to_string(available >> 10) +
         " KiB free, less than the " + std::to_string(reserve_bytes >> 20) +
         " MiB a member keeps free";
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class raft_log;

struct apply_request {
  struct raft_apply req {};
  raft_log* self = nullptr;
  raft_term term = 0;  // the leader's term when it appended the entry
  std::vector<std::function<void(int)>> dones;
};

using barrier_done = std::function<void(std::optional<std::uint64_t>)>;

// A follower's read: the leader's commit index when it asked (0: not known to be enough).
struct index_waiter {
  std::uint64_t commit_index = 0;
  barrier_done done;
};

struct barrier_request {
  struct raft_barrier req {};
  raft_log* self = nullptr;
  raft_term term = 0;
  std::vector<index_waiter> index_dones;     // followers' reads
  std::vector<barrier_done> sequence_dones;  // this member's reads: the sequence applied by then
};

struct transfer_request {
  struct raft_transfer req {};
  std::function<void()> done;
};

struct applied_waiter {
  std::uint64_t index;
  std::chrono::steady_clock::time_point deadline;
  std::function<void(std::optional<std::uint64_t>)> done;
};

class raft_log final : public replicated_log {
 public:
  explicit raft_log(log_hooks hooks) : hooks_(std::move(hooks)) {}

  bool start(const log_options& options, start_error& error) {
    options_ = options;
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_,
                  [](uv_async_t* handle) { static_cast<raft_log*>(handle->data)->drain(); });
    async_.data = this;
    uv_timer_init(&loop_, &timer_);
    timer_.data = this;
    // After every loop turn that handled messages: a read waiting for an index goes on as soon
    // as the message that lets this member apply it arrived, not at the next tick.
    uv_check_init(&loop_, &check_);
    check_.data = this;
    std::string address;
    for (const auto& p : options.peers) {
      if (p.id == options.id) address = p.address;
    }
    if (address.empty()) return fail(error, 2, "cluster.node_id is not among cluster.peers");
    if (const auto busy = port_in_use(options.listen)) return fail(error, 1, *busy);
    int rv = raft_uv_tcp_init(&transport_, &loop_);
    if (rv != 0) return fail(error, 1, "raft transport: " + std::string(raft_strerror(rv)));
    resolving_transport_init(&resolving_transport_, &transport_, &loop_);
    if (options.listen != address) {
      rv = raft_uv_tcp_set_bind_address(&transport_, options.listen.c_str());
      if (rv != 0)
        return fail(error, 2, "cluster.raft_listen " + options.listen + ": " + raft_strerror(rv));
    }
    if (auto why = short_of_space(options.dir)) return fail(error, 1, *why);
    rv = raft_uv_init(&io_, &loop_, options.dir.c_str(), &resolving_transport_);
    if (rv != 0) {
      return fail(error, 1,
                  "raft storage in " + options.dir + ": " + raft_strerror(rv) + ": " + io_.errmsg);
    }
    // A damaged log must stop the member, not be truncated silently: a truncated member could
    // lead alone on an old configuration and append different entries at the same index.
    raft_uv_set_auto_recovery(&io_, false);
    raft_uv_set_segment_size(&io_, segment_bytes);
    fsm_.version = 1;
    fsm_.data = this;
    fsm_.apply = &raft_log::fsm_apply;
    fsm_.snapshot = &raft_log::fsm_snapshot;
    fsm_.restore = &raft_log::fsm_restore;
    rv = raft_init(&raft_, &io_, &fsm_, options.id, address.c_str());
    if (rv != 0) return fail(error, 1, "raft init: " + std::string(raft_errmsg(&raft_)));
    raft_.data = this;
    raft_set_election_timeout(&raft_, options.election_timeout_ms);
    raft_set_heartbeat_timeout(&raft_, options.heartbeat_timeout_ms);
    raft_set_snapshot_threshold(&raft_, options.snapshot_threshold);
    // raft 0.15 keeps a follower in its "sending a snapshot" state when the send failed (the
    // follower was down), and sends it nothing else until this runs out: 30 s by default, the
    // stall the fault test saw in most runs after a follower's restart.
    raft_set_install_snapshot_timeout(&raft_, options.install_snapshot_timeout_ms);
    raft_set_snapshot_trailing(&raft_, options.snapshot_trailing);
    raft_set_pre_vote(&raft_, true);
    if (options.bootstrap) {
      raft_configuration configuration;
      raft_configuration_init(&configuration);
      // Alone: a member that knows no configuration does not vote, so the others join
      // through raft_add and raft_assign once this one leads (add_missing_members).
      raft_configuration_add(&configuration, options.id, address.c_str(), RAFT_VOTER);
      rv = raft_bootstrap(&raft_, &configuration);
      raft_configuration_close(&configuration);
      if (rv == 0) {
        spdlog::info("raft: bootstrapped a new cluster; the other {} members join it",
                     options.peers.size() - 1);
      } else if (rv == RAFT_CANTBOOTSTRAP) {
        spdlog::info("raft: --bootstrap ignored, {} already holds a cluster's state", options.dir);
      } else {
        return fail(error, 1, "raft bootstrap: " + std::string(raft_errmsg(&raft_)));
      }
    }
    rv = raft_start(&raft_);
    if (rv != 0) {
      const std::string why = raft_errmsg(&raft_);
      return fail(error, 1, "raft start: " + (why.empty() ? std::string(raft_strerror(rv)) : why));
    }
    if (auto mismatch = membership_mismatch()) return fail(error, 2, *mismatch);
    update_status();
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<raft_log*>(t->data)->tick(); }, tick_ms, tick_ms);
    uv_check_start(&check_, [](uv_check_t* c) {
      auto* self = static_cast<raft_log*>(c->data);
      if (!self->closing_) self->check_applied_waiters();
    });
    thread_ = named_thread("kv.raft", [this] {
      uv_run(&loop_, UV_RUN_DEFAULT);
      uv_loop_close(&loop_);
    });
    return true;
  }

  void propose(std::vector<std::string> commands, std::function<void(int)> done) override {
    post([this, commands = std::move(commands), done = std::move(done)]() mutable {
      for (auto& c : commands) pending_commands_.push_back(std::move(c));
      pending_counts_.push_back(commands.size());
      pending_dones_.push_back(std::move(done));
    });
  }

  // ReadIndex (section 6.4 of Raft's thesis) with a barrier for the round that confirms the
  // leadership: the commit index when the read arrived covers every acknowledged write once
  // this leader has committed an entry of its own term. A follower learns that index from the
  // barrier's own AppendEntries, so it needs no commit notice; before that first commit the
  // barrier's index is the answer, and the notice follows it.
  void read_index(std::function<void(std::optional<std::uint64_t>)> done) override {
    post([this, done = std::move(done)]() mutable {
      const bool known = raft_state(&raft_) == RAFT_LEADER &&
                         committed_term_ == raft_.current_term && raft_.commit_index > 0;
      index_waiters_.push_back({known ? raft_.commit_index : 0, std::move(done)});
    });
  }

  void read_barrier(std::function<void(std::optional<std::uint64_t>)> done) override {
    post(
        [this, done = std::move(done)]() mutable { sequence_waiters_.push_back(std::move(done)); });
  }

  void wait_applied(std::uint64_t index, unsigned timeout_ms,
                    std::function<void(std::optional<std::uint64_t>)> done) override {
    {
      std::unique_lock lock(status_mutex_);
      if (status_.applied_index >= index) {
        const std::uint64_t sequence = applied_sequence_;
        lock.unlock();
        return done(sequence);
      }
    }
    post([this, index, timeout_ms, done = std::move(done)]() mutable {
      applied_waiters_.push_back(
          {index, std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms),
           std::move(done)});
    });
  }

  void transfer_leadership(std::function<void()> done) override {
    post([this, done = std::move(done)]() mutable {
      if (raft_state(&raft_) != RAFT_LEADER) return done();
      auto* request = new transfer_request;
      request->done = std::move(done);
      request->req.data = request;
      const int rv = raft_transfer(&raft_, &request->req, 0, [](struct raft_transfer* req) {
        auto* request = static_cast<transfer_request*>(req->data);
        request->done();
        delete request;
      });
      if (rv != 0) {
        spdlog::warn("raft: leadership transfer refused: {}", raft_strerror(rv));
        request->done();
        delete request;
      }
    });
  }

  log_status status() const override {
    std::lock_guard lock(status_mutex_);
    return status_;
  }

  std::string_view error_text(int code) const override { return raft_strerror(code); }

  void stop() override {
    if (!thread_.joinable()) return;
    post([this] {
      closing_ = true;
      fail_waiting(RAFT_SHUTDOWN);
      uv_timer_stop(&timer_);
      raft_close(&raft_, [](raft* r) {
        auto* self = static_cast<raft_log*>(r->data);
        raft_uv_close(&self->io_);
        raft_uv_tcp_close(&self->transport_);
        resolving_transport_close(&self->resolving_transport_);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->timer_), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->check_), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->async_), nullptr);
      });
    });
    thread_.join();
  }

  ~raft_log() override { stop(); }

 private:
  bool fail(start_error& error, int status, std::string message) {
    error.exit_status = status;
    error.message = std::move(message);
    return false;
  }

  // raft 0.15 reports a taken port with no message: it is checked here first, by binding it.
  static std::optional<std::string> port_in_use(const std::string& listen) {
    const auto colon = listen.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1))));
    if (inet_pton(AF_INET, listen.substr(0, colon).c_str(), &address.sin_addr) != 1) {
      return "cluster.raft_listen " + listen + " is not an IPv4 address";
    }
    const int probe = socket(AF_INET, SOCK_STREAM, 0);
    const int yes = 1;
    setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const bool taken = bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0;
    const int cause = errno;
    close(probe);
    if (!taken) return std::nullopt;
    return "cannot listen on " + listen + " (cluster.raft_listen): " + std::strerror(cause);
  }

  // The members the stored configuration names must be the configured peers.
  std::optional<std::string> membership_mismatch() const {
    if (raft_.configuration.n == 0) return std::nullopt;
    std::set<std::pair<std::uint64_t, std::string>> stored;
    std::set<std::pair<std::uint64_t, std::string>> configured;
    std::string stored_text;
    for (unsigned i = 0; i < raft_.configuration.n; ++i) {
      const auto& s = raft_.configuration.servers[i];
      stored.emplace(s.id, s.address);
      stored_text += (stored_text.empty() ? "" : ", ") + std::to_string(s.id) + "=" + s.address;
    }
    std::string configured_text;
    for (const auto& p : options_.peers) {
      configured.emplace(p.id, p.address);
      configured_text +=
          (configured_text.empty() ? "" : ", ") + std::to_string(p.id) + "=" + p.address;
    }
    // A cluster still taking members in stores fewer than configured.
    if (std::includes(configured.begin(), configured.end(), stored.begin(), stored.end())) {
      return std::nullopt;
    }
    return "cluster.peers (" + configured_text + ") disagree with the membership stored in " +
           options_.dir + " (" + stored_text + ")";
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(tasks_mutex_);
      tasks_.push_back(std::move(task));
    }
    uv_async_send(&async_);
  }

  // Runs on the loop thread, outside any raft callback.
  void drain() {
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lock(tasks_mutex_);
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) task();
    if (closing_) return fail_waiting(RAFT_SHUTDOWN);
    flush_proposals();
    send_commit_notice();
    start_barrier();
    check_applied_waiters();
    update_status();
  }

  void tick() {
    if (closing_) return;
    stop_if_short_of_space();
    add_missing_members();
    flush_proposals();
    start_barrier();
    check_applied_waiters();
    update_status();
  }

  // Exits the process (see reserve_bytes): raft_uv would crash or stall on a full disk. Nothing
  // acknowledged is lost: a 2xx means a majority has the entry on disk.
  void stop_if_short_of_space() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_space_check_) return;
    next_space_check_ = now + space_check_interval;
    const auto why = short_of_space(options_.dir);
    if (!why) return;
    spdlog::critical("{}: this member stops; free space and restart it", *why);
    spdlog::shutdown();
    std::_Exit(1);
  }

  void fail_waiting(int code) {
    for (auto& done : pending_dones_) done(code);
    pending_dones_.clear();
    pending_commands_.clear();
    pending_counts_.clear();
    for (auto& waiter : index_waiters_) waiter.done(std::nullopt);
    index_waiters_.clear();
    for (auto& done : sequence_waiters_) done(std::nullopt);
    sequence_waiters_.clear();
    for (auto& waiter : applied_waiters_) waiter.done(std::nullopt);
    applied_waiters_.clear();
  }

  void flush_proposals() {
    if (pending_dones_.empty()) return;
    if (raft_state(&raft_) != RAFT_LEADER) {
      auto dones = std::move(pending_dones_);
      pending_dones_.clear();
      pending_commands_.clear();
      pending_counts_.clear();
      for (auto& done : dones) done(RAFT_NOTLEADER);
      return;
    }
    const std::int64_t ts = std::max(unix_ms_now(), last_ts_);
    last_ts_ = ts;
    std::size_t next_command = 0;
    std::size_t request = 0;
    while (request < pending_dones_.size()) {
      auto* apply = new apply_request;
      apply->self = this;
      apply->term = raft_.current_term;
      std::vector<std::string> batch;
      std::size_t bytes = 0;
      // Whole requests only: a request's commands share its entry.
      while (request < pending_dones_.size() && (batch.empty() || bytes < max_entry_bytes)) {
        for (std::size_t i = 0; i < pending_counts_[request]; ++i) {
          std::string& c = pending_commands_[next_command++];
          stamp(c, ts);
          bytes += c.size();
          batch.push_back(std::move(c));
        }
        apply->dones.push_back(std::move(pending_dones_[request]));
        ++request;
      }
      const std::string entry = frame(batch);
      // raft_uv stores entries padded to 8 bytes and checksums the padded length: an entry of
      // another length reads back as corrupt after a restart. The padding is zeros, which
      // unframe() accepts.
      raft_buffer buffer;
      buffer.len = (entry.size() + 7) / 8 * 8;
      buffer.base = raft_malloc(buffer.len);
      std::memset(buffer.base, 0, buffer.len);
      std::memcpy(buffer.base, entry.data(), entry.size());
      apply->req.data = apply;
      const int rv = raft_apply(&raft_, &apply->req, &buffer, 1,
                                [](struct raft_apply* req, int status, void*) {
                                  auto* apply = static_cast<apply_request*>(req->data);
                                  if (status == 0) {
                                    auto& term = apply->self->committed_term_;
                                    term = std::max(term, apply->term);
                                  }
                                  for (auto& done : apply->dones) done(status);
                                  delete apply;
                                });
      if (rv != 0) {
        raft_free(buffer.base);
        for (auto& done : apply->dones) done(rv);
        delete apply;
      }
    }
    pending_dones_.clear();
    pending_commands_.clear();
    pending_counts_.clear();
  }

  // The leader brings the configured peers in, one change at a time: raft_add (as a spare),
  // then raft_assign to voter, which waits for the new member to catch up.
  void add_missing_members() {
    if (change_in_flight_ || raft_state(&raft_) != RAFT_LEADER) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_change_try_) return;
    for (const auto& p : options_.peers) {
      const raft_server* found = nullptr;
      for (unsigned i = 0; i < raft_.configuration.n; ++i) {
        if (raft_.configuration.servers[i].id == p.id) found = &raft_.configuration.servers[i];
      }
      if (found != nullptr && found->role == RAFT_VOTER) continue;
      change_in_flight_ = true;
      change_.data = this;
      const int rv =
          found == nullptr
              ? raft_add(&raft_, &change_, p.id, p.address.c_str(), &raft_log::change_done)
              : raft_assign(&raft_, &change_, p.id, RAFT_VOTER, &raft_log::change_done);
      if (rv != 0) {
        change_in_flight_ = false;
        next_change_try_ = now + std::chrono::milliseconds(500);
      } else {
        spdlog::info("raft: {} member {} ({})", found == nullptr ? "adding" : "promoting", p.id,
                     p.address);
      }
      return;
    }
  }

  static void change_done(raft_change* req, int status) {
    auto* self = static_cast<raft_log*>(req->data);
    self->change_in_flight_ = false;
    if (status != 0) {
      self->next_change_try_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    }
  }

  // One barrier at a time, shared by every read that asked while none was in flight.
  void start_barrier() {
    if (barrier_in_flight_) return;
    if (index_waiters_.empty() && sequence_waiters_.empty()) return;
    auto* barrier = new barrier_request;
    barrier->self = this;
    barrier->term = raft_.current_term;
    barrier->index_dones.swap(index_waiters_);
    barrier->sequence_dones.swap(sequence_waiters_);
    if (raft_state(&raft_) != RAFT_LEADER) return fail_barrier(barrier);
    barrier->req.data = barrier;
    const int rv = raft_barrier(&raft_, &barrier->req, [](struct raft_barrier* req, int status) {
      auto* barrier = static_cast<barrier_request*>(req->data);
      raft_log* self = barrier->self;
      self->barrier_in_flight_ = false;
      if (status != 0) return fail_barrier(barrier);
      self->committed_term_ = std::max(self->committed_term_, barrier->term);
      // raft applies in log order: every entry before the barrier went to committed() already.
      const std::uint64_t index = std::max<std::uint64_t>(req->index, 1);
      for (auto& waiter : barrier->index_dones) {
        if (waiter.commit_index != 0) {
          waiter.done(waiter.commit_index);
        } else {
          waiter.done(index);
          self->notice_due_ = true;
        }
      }
      for (auto& done : barrier->sequence_dones) done(self->sequence_);
      delete barrier;
      // The next barrier and the notice start from a task, not from inside this callback.
      if (!self->index_waiters_.empty() || !self->sequence_waiters_.empty() || self->notice_due_) {
        self->post([] {});
      }
    });
    if (rv != 0) return fail_barrier(barrier);
    barrier_in_flight_ = true;
  }

  static void fail_barrier(barrier_request* barrier) {
    for (auto& waiter : barrier->index_dones) waiter.done(std::nullopt);
    for (auto& done : barrier->sequence_dones) done(std::nullopt);
    delete barrier;
  }

  // raft 0.15 tells followers the commit index only in its next message to them, a heartbeat
  // up to heartbeat_timeout_ms away, and has no call to send one. An entry of its own goes out
  // at once and carries the commit index: one empty barrier nobody waits for.
  void send_commit_notice() {
    if (!notice_due_) return;
    notice_due_ = false;
    if (raft_state(&raft_) != RAFT_LEADER) return;
    auto* notice = new barrier_request;
    notice->self = this;
    notice->req.data = notice;
    const int rv = raft_barrier(&raft_, &notice->req, [](struct raft_barrier* req, int) {
      delete static_cast<barrier_request*>(req->data);
    });
    if (rv != 0) delete notice;
  }

  void check_applied_waiters() {
    if (applied_waiters_.empty()) return;
    const std::uint64_t applied = raft_last_applied(&raft_);
    const auto now = std::chrono::steady_clock::now();
    std::vector<applied_waiter> still;
    for (auto& waiter : applied_waiters_) {
      if (applied >= waiter.index) {
        waiter.done(sequence_);
      } else if (now >= waiter.deadline) {
        waiter.done(std::nullopt);
      } else {
        still.push_back(std::move(waiter));
      }
    }
    applied_waiters_ = std::move(still);
  }

  void update_status() {
    log_status s;
    s.id = options_.id;
    switch (raft_state(&raft_)) {
      case RAFT_FOLLOWER:
        s.state = role::follower;
        break;
      case RAFT_CANDIDATE:
        s.state = role::candidate;
        break;
      case RAFT_LEADER:
        s.state = role::leader;
        break;
      default:
        s.state = role::unavailable;
    }
    s.term = raft_.current_term;
    s.commit_index = raft_.commit_index;
    s.applied_index = raft_last_applied(&raft_);
    raft_id leader = 0;
    const char* leader_address = nullptr;
    raft_leader(&raft_, &leader, &leader_address);
    if (leader != 0 && leader != last_leader_) {
      ++leader_changes_;
      spdlog::info("raft: member {} leads (term {})", leader, s.term);
    }
    if (leader != 0) last_leader_ = leader;
    s.leader_id = leader;
    s.leader_changes = leader_changes_;
    for (unsigned i = 0; i < raft_.configuration.n; ++i) {
      s.members.push_back(
          {raft_.configuration.servers[i].id, raft_.configuration.servers[i].address});
    }
    std::lock_guard lock(status_mutex_);
    status_ = std::move(s);
    applied_sequence_ = sequence_;
  }

  static int fsm_apply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
    auto* self = static_cast<raft_log*>(fsm->data);
    *result = nullptr;
    self->hooks_.committed(++self->sequence_,
                           std::string(static_cast<const char*>(buf->base), buf->len));
    return 0;
  }

  static int fsm_snapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
    auto* self = static_cast<raft_log*>(fsm->data);
    const std::string state = self->hooks_.snapshot(self->sequence_);
    *bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    if (*bufs == nullptr) return RAFT_NOMEM;
    (*bufs)[0].len = state.size();
    (*bufs)[0].base = raft_malloc(std::max<std::size_t>(state.size(), 1));
    if ((*bufs)[0].base == nullptr) {
      raft_free(*bufs);
      return RAFT_NOMEM;
    }
    std::memcpy((*bufs)[0].base, state.data(), state.size());
    *n_bufs = 1;
    return 0;
  }

  static int fsm_restore(raft_fsm* fsm, raft_buffer* buf) {
    auto* self = static_cast<raft_log*>(fsm->data);
    const bool ok = self->hooks_.restore(
        ++self->sequence_, std::string_view(static_cast<const char*>(buf->base), buf->len));
    if (!ok) return RAFT_MALFORMED;
    raft_free(buf->base);
    return 0;
  }

  log_hooks hooks_;
  log_options options_;
  uv_loop_t loop_{};
  uv_async_t async_{};
  uv_timer_t timer_{};
  uv_check_t check_{};
  raft_uv_transport transport_{};            // raft_uv's TCP transport: IPv4 literals only
  raft_uv_transport resolving_transport_{};  // over it: peers by name (Kubernetes DNS)
  raft_io io_{};
  raft_fsm fsm_{};
  struct raft raft_ {};
  std::thread thread_;

  std::mutex tasks_mutex_;
  std::vector<std::function<void()>> tasks_;

  // Loop thread only.
  std::vector<std::string> pending_commands_;
  std::vector<std::size_t> pending_counts_;
  std::vector<std::function<void(int)>> pending_dones_;
  std::vector<index_waiter> index_waiters_;     // reads of followers, for the next barrier
  std::vector<barrier_done> sequence_waiters_;  // reads on this member, for the next barrier
  bool barrier_in_flight_ = false;
  raft_term committed_term_ = 0;  // the last term in which an entry this member led committed
  bool notice_due_ = false;       // a follower waits to learn a barrier committed
  std::vector<applied_waiter> applied_waiters_;
  std::uint64_t sequence_ = 0;
  std::int64_t last_ts_ = 0;
  std::uint64_t last_leader_ = 0;
  std::uint64_t leader_changes_ = 0;
  bool closing_ = false;
  raft_change change_{};
  bool change_in_flight_ = false;
  std::chrono::steady_clock::time_point next_change_try_{};
  std::chrono::steady_clock::time_point next_space_check_{};

  mutable std::mutex status_mutex_;
  std::uint64_t applied_sequence_ = 0;  // sequence_ when status_ was taken
  log_status status_;
};

}  // namespace

std::unique_ptr<replicated_log> make_raft_log(const log_options& options, log_hooks hooks,
                                              start_error& error) {
  auto log = std::make_unique<raft_log>(std::move(hooks));
  if (!log->start(options, error)) {
    // The loop never ran; its handles cannot be closed cleanly, and the node exits anyway.
    (void)log.release();
    return nullptr;
  }
  return log;
}

std::optional<std::string> resolve_ipv4(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string host = host_port.substr(0, colon);
  const std::string port = host_port.substr(colon + 1);
  in_addr literal{};
  if (inet_pton(AF_INET, host.c_str(), &literal) == 1) return host_port;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  char text[INET_ADDRSTRLEN] = {};
  const auto* address = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
  freeaddrinfo(found);
  return std::string(text) + ":" + port;
}

}  // namespace kv::cluster
