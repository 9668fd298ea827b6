#include "actors/cluster_applier.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <deque>
#include <set>
#include <stdexcept>

#include "actors/feed_messages.hpp"
#include "actors/messages.hpp"
#include "cluster/command.hpp"
#include "cluster/outcome.hpp"

namespace kv {
namespace {

struct committed_entry {
  std::uint64_t sequence = 0;
  std::string bytes;
};
struct restore_state {
  std::uint64_t sequence = 0;
  std::string bytes;
};
using step_done_atom = caf::atom_constant<caf::atom("step_done")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using expiry_tick_atom = caf::atom_constant<caf::atom("exp_tick")>;

}  // namespace
}  // namespace kv

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::committed_entry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::restore_state)

namespace kv {
namespace {

// Request ids remembered for deduplication; a retry comes within seconds, so this is plenty.
constexpr std::size_t remembered_requests = 200000;
constexpr std::size_t sweep_limit = 1000;
constexpr auto expiry_tick = std::chrono::milliseconds(250);

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- Snapshot encoding ----
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_bytes(std::string& out, std::string_view b) {
  put_u32(out, static_cast<std::uint32_t>(b.size()));
  out.append(b);
}
struct snapshot_reader {
  std::string_view in;
  std::string_view take(std::size_t n) {
    if (n > in.size()) throw std::runtime_error("truncated snapshot");
    auto part = in.substr(0, n);
    in.remove_prefix(n);
    return part;
  }
  std::uint64_t u(int bytes) {
    auto b = take(bytes);
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  std::string_view bytes() { return take(u(4)); }
};
constexpr std::uint32_t snapshot_magic = 0x4b565331;  // "KVS1"

struct pending_command {
  cluster::command c;
  std::uint64_t sequence = 0;
  bool last_of_entry = false;
};

class cluster_applier : public caf::event_based_actor {
 public:
  cluster_applier(caf::actor_config& config, std::shared_ptr<const partition_map> map,
                  caf::actor broker, std::shared_ptr<cluster_gate> gate)
      : caf::event_based_actor(config),
        map_(std::move(map)),
        broker_(std::move(broker)),
        gate_(std::move(gate)) {}

  caf::behavior make_behavior() override {
    delayed_send(this, expiry_tick, expiry_tick_atom::value);
    return {
        [this](committed_entry& entry) { take_entry(entry); },
        [this](step_done_atom) {
          busy_ = false;
          finish_command();
          pump();
        },
        [this](snapshot_atom, std::uint64_t sequence) -> caf::result<std::string> {
          auto promise = make_response_promise<std::string>();
          when_idle(sequence, [this, promise]() mutable { take_snapshot(promise); });
          return promise;
        },
        [this](restore_state& state) -> caf::result<bool> {
          auto promise = make_response_promise<bool>();
          when_idle(state.sequence - 1, [this, promise, state = std::move(state)]() mutable {
            restore(std::move(state), promise);
          });
          return promise;
        },
        [this](expiry_tick_atom) {
          delayed_send(this, expiry_tick, expiry_tick_atom::value);
          maybe_propose_sweep();
        },
    };
  }

 private:
  // ---- Applying ----
  void take_entry(committed_entry& entry) {
    try {
      const auto commands = cluster::unframe(entry.bytes);
      for (std::size_t i = 0; i < commands.size(); ++i) {
        queue_.push_back({cluster::decode(commands[i]), entry.sequence, i + 1 == commands.size()});
      }
      if (commands.empty()) {
        // Nothing to apply, but the entry is counted in order with the others.
        pending_command marker{cluster::command{}, entry.sequence, true};
        marker.c.ts_ms = -1;
        queue_.push_back(std::move(marker));
      }
    } catch (const std::exception& error) {
      spdlog::critical("cluster: entry {} cannot be decoded: {}", entry.sequence, error.what());
      mark_applied(entry.sequence);
    }
    pump();
  }

  void pump() {
    while (!busy_ && !queue_.empty()) {
      busy_ = true;
      apply(queue_.front().c);
    }
    if (!busy_ && queue_.empty() && !idle_tasks_.empty()) run_idle_tasks();
  }

  // The front command is done: pop it, and count its entry applied if it was the last.
  void finish_command() {
    const pending_command done = std::move(queue_.front());
    queue_.pop_front();
    if (done.last_of_entry) mark_applied(done.sequence);
  }

  void mark_applied(std::uint64_t sequence) {
    applied_ = sequence;
    gate_->applied(sequence);
  }

  // Ends the current command synchronously (nothing was sent anywhere).
  void skip() {
    busy_ = false;
    finish_command();
  }

  bool seen_before(const cluster::command& c) {
    if (c.request_id == 0) return false;
    const auto id = std::make_pair(c.origin, c.request_id);
    if (!seen_.insert(id).second) return true;
    seen_order_.push_back(id);
    if (seen_order_.size() > remembered_requests) {
      seen_.erase(seen_order_.front());
      seen_order_.pop_front();
    }
    return false;
  }

  template <class Result>
  std::shared_ptr<completion<Result>> waiter_of(const cluster::command& c) {
    std::any found = gate_->take_waiter(c.origin, c.request_id);
    if (!found.has_value()) return nullptr;
    return std::any_cast<std::shared_ptr<completion<Result>>>(found);
  }

  // A reply slot that answers the member's client, if it waits here, and on the leader the
  // member that forwarded the write, if it does, then lets the next command go: the partition
  // completes it after it sent its event to the broker.
  template <class Result>
  reply_slot_ptr<Result> slot_for(const cluster::command& c) {
    auto user = waiter_of<Result>(c);
    auto remote = gate_->take_remote(c.origin, c.request_id);
    return make_reply_slot<Result>(
        [user, remote = std::move(remote),
         self = caf::actor_cast<caf::actor>(this)](std::optional<Result> result) {
          if (remote) remote(cluster::encode_outcome(result));
          if (user) (*user)(std::move(result));
          caf::anon_send(self, step_done_atom::value);
        });
  }

  const caf::actor& partition_for(const std::string& key) const {
    return map_->partitions[map_->table.partition_for(key)];
  }

  void note_deadline(std::int64_t deadline) {
    if (deadline != 0) min_deadline_ = std::min(min_deadline_, deadline);
  }

  void apply(cluster::command& c) {
    if (c.ts_ms < 0) return skip();  // an empty entry
    if (seen_before(c)) {
      // A retried request: its outcome went to whoever waited for the first one.
      if (auto remote = gate_->take_remote(c.origin, c.request_id)) remote({});
      return skip();
    }
    constexpr auto no_deadline = std::chrono::steady_clock::time_point::max();
    switch (c.kind) {
      case cluster::command_kind::put: {
        if (c.ttl_seconds != 0) note_deadline(c.ts_ms + std::int64_t{c.ttl_seconds} * 1000);
        const auto& target = partition_for(c.key);
        send(target, put_operation{put_request{std::move(c.key), std::move(c.value),
                                               c.expected_version, c.type, c.ttl_seconds},
                                   slot_for<put_outcome>(c), no_deadline, c.ts_ms});
        return;
      }
      case cluster::command_kind::erase: {
        const auto& target = partition_for(c.key);
        send(target, delete_operation{delete_request{std::move(c.key), c.expected_version},
                                      slot_for<delete_outcome>(c), no_deadline, c.ts_ms});
        return;
      }
      case cluster::command_kind::operate: {
        const auto& target = partition_for(c.key);
        send(target, operate_operation{
                         operate_request{std::move(c.key), std::move(c.op), c.expected_version,
                                         static_cast<std::size_t>(
                                             std::min<std::uint64_t>(c.max_value_bytes, SIZE_MAX))},
                         slot_for<operation_outcome>(c), no_deadline, c.ts_ms});
        return;
      }
      case cluster::command_kind::expiry: {
        if (c.expiry_ttl && *c.expiry_ttl != 0) {
          note_deadline(c.ts_ms + std::int64_t{*c.expiry_ttl} * 1000);
        }
        const auto& target = partition_for(c.key);
        send(target,
             expiry_operation{expiry_request{std::move(c.key), c.expiry_ttl, c.expected_version},
                              slot_for<expiry_outcome>(c), no_deadline, c.ts_ms});
        return;
      }
      case cluster::command_kind::put_all:
        return apply_put_all(c);
      case cluster::command_kind::sweep:
        return apply_sweep(c);
    }
    skip();
  }

  // The partitions one after another, in partition order, so events reach the broker in the
  // same order on every member.
  void apply_put_all(cluster::command& c) {
    if (c.ttl_seconds != 0) note_deadline(c.ts_ms + std::int64_t{c.ttl_seconds} * 1000);
    auto groups = std::make_shared<std::vector<key_value_list>>(map_->partitions.size());
    for (auto& entry : c.pairs) {
      (*groups)[map_->table.partition_for(entry.key)].push_back(std::move(entry));
    }
    auto user = waiter_of<std::size_t>(c);
    auto remote = gate_->take_remote(c.origin, c.request_id);
    completion<std::size_t> done = [user, remote](std::optional<std::size_t> written) {
      if (remote) remote(cluster::encode_outcome(written));
      if (user) (*user)(written);
    };
    put_all_step(groups, 0, 0, c.ttl_seconds, c.ts_ms, std::move(done));
  }

  void put_all_step(std::shared_ptr<std::vector<key_value_list>> groups, std::size_t next,
                    std::size_t written, std::uint32_t ttl, std::int64_t ts,
                    completion<std::size_t> done) {
    while (next < groups->size() && (*groups)[next].empty()) ++next;
    if (next == groups->size()) {
      done(written);
      send(this, step_done_atom::value);
      return;
    }
    request(map_->partitions[next], caf::infinite,
            put_all_request{std::move((*groups)[next]), ttl, ts})
        .then(
            [=, this](std::size_t count) {
              put_all_step(groups, next + 1, written + count, ttl, ts, done);
            },
            [=, this](caf::error& error) {
              spdlog::error("cluster: partition {} failed a batch: {}", next, to_string(error));
              put_all_step(groups, next + 1, written, ttl, ts, done);
            });
  }

  void apply_sweep(const cluster::command& c) {
    sweep_pending_ = false;
    min_deadline_ = INT64_MAX;
    sweep_step(0, c.ts_ms);
  }

  void sweep_step(std::size_t next, std::int64_t ts) {
    if (next == map_->partitions.size()) {
      send(this, step_done_atom::value);
      return;
    }
    request(map_->partitions[next], caf::infinite, replicated_sweep{ts, sweep_limit})
        .then(
            [=, this](std::int64_t deadline) {
              note_deadline(deadline);
              sweep_step(next + 1, ts);
            },
            [=, this](caf::error&) { sweep_step(next + 1, ts); });
  }

  // The leader proposes a sweep once a deadline has passed (min_deadline_ 0: not known yet).
  void maybe_propose_sweep() {
    if (sweep_pending_ &&
        std::chrono::steady_clock::now() < sweep_proposed_at_ + std::chrono::seconds(2))
      return;
    if (min_deadline_ == INT64_MAX || min_deadline_ > unix_ms_now()) return;
    if (!gate_->is_leader()) return;
    sweep_pending_ = true;
    sweep_proposed_at_ = std::chrono::steady_clock::now();
    gate_->propose_sweep();
  }

  // ---- Snapshots ----
  void when_idle(std::uint64_t sequence, std::function<void()> task) {
    idle_tasks_.push_back({sequence, std::move(task)});
    pump();
  }

  void run_idle_tasks() {
    auto tasks = std::move(idle_tasks_);
    idle_tasks_.clear();
    for (auto& [sequence, task] : tasks) {
      if (applied_ < sequence) {
        spdlog::warn("cluster: snapshot at {} while only {} applied", sequence, applied_);
      }
      task();
    }
  }

  void take_snapshot(caf::typed_response_promise<std::string> promise) {
    auto dumps = std::make_shared<std::vector<partition_dump>>();
    dump_step(dumps, 0, promise);
  }

  void dump_step(std::shared_ptr<std::vector<partition_dump>> dumps, std::size_t next,
                 caf::typed_response_promise<std::string> promise) {
    if (next == map_->partitions.size()) {
      std::string out;
      put_u32(out, snapshot_magic);
      put_u64(out, static_cast<std::uint64_t>(min_deadline_ == INT64_MAX ? -1 : min_deadline_));
      put_u64(out, seen_order_.size());
      for (const auto& [origin, id] : seen_order_) {
        put_u32(out, origin);
        put_u64(out, id);
      }
      put_u32(out, static_cast<std::uint32_t>(dumps->size()));
      for (const auto& dump : *dumps) {
        put_u64(out, dump.seq);
        put_u64(out, dump.items.size());
        for (const auto& item : dump.items) {
          put_bytes(out, item.key);
          put_bytes(out, item.value.view());
          put_u64(out, item.version);
          out.push_back(static_cast<char>(item.type));
          put_u64(out, static_cast<std::uint64_t>(item.expires_at_ms));
        }
      }
      promise.deliver(std::move(out));
      return;
    }
    request(map_->partitions[next], caf::infinite, partition_dump_request{})
        .then(
            [=, this](partition_dump& dump) mutable {
              dumps->push_back(std::move(dump));
              dump_step(dumps, next + 1, promise);
            },
            [=](caf::error& error) mutable { promise.deliver(error); });
  }

  void restore(restore_state state, caf::typed_response_promise<bool> promise) {
    auto dumps = std::make_shared<std::vector<partition_dump>>();
    try {
      snapshot_reader in{state.bytes};
      if (in.u(4) != snapshot_magic) throw std::runtime_error("not a kvactor snapshot");
      const auto deadline = static_cast<std::int64_t>(in.u(8));
      std::set<std::pair<std::uint32_t, std::uint64_t>> seen;
      std::deque<std::pair<std::uint32_t, std::uint64_t>> order;
      for (auto n = in.u(8); n > 0; --n) {
        const auto origin = static_cast<std::uint32_t>(in.u(4));
        const auto id = in.u(8);
        seen.emplace(origin, id);
        order.emplace_back(origin, id);
      }
      const auto partitions = in.u(4);
      if (partitions != map_->partitions.size()) {
        throw std::runtime_error("snapshot has " + std::to_string(partitions) +
                                 " partitions, this node " +
                                 std::to_string(map_->partitions.size()));
      }
      for (std::uint64_t p = 0; p < partitions; ++p) {
        partition_dump dump;
        dump.seq = in.u(8);
        for (auto n = in.u(8); n > 0; --n) {
          scan_item item;
          item.key = std::string(in.bytes());
          item.value = shared_bytes::copy_of(in.bytes());
          item.version = in.u(8);
          item.type = static_cast<value_type>(in.u(1));
          item.expires_at_ms = static_cast<std::int64_t>(in.u(8));
          dump.items.push_back(std::move(item));
        }
        dumps->push_back(std::move(dump));
      }
      seen_ = std::move(seen);
      seen_order_ = std::move(order);
      min_deadline_ = deadline < 0 ? INT64_MAX : deadline;
      if (min_deadline_ != INT64_MAX) min_deadline_ = 0;
    } catch (const std::exception& error) {
      spdlog::critical("cluster: cannot restore a snapshot: {}", error.what());
      promise.deliver(false);
      return;
    }
    std::uint64_t rev = 0;
    for (const auto& dump : *dumps) rev += dump.seq;
    load_step(dumps, 0, rev, state.sequence, promise);
  }

  void load_step(std::shared_ptr<std::vector<partition_dump>> dumps, std::size_t next,
                 std::uint64_t rev, std::uint64_t sequence,
                 caf::typed_response_promise<bool> promise) {
    if (next == dumps->size()) {
      // Every event is one seq step of one partition, so the node's rev is their sum.
      send(broker_, start_rev_atom::value, rev);
      mark_applied(sequence);
      promise.deliver(true);
      return;
    }
    request(map_->partitions[next], caf::infinite, std::move((*dumps)[next]))
        .then([=, this](bool) mutable { load_step(dumps, next + 1, rev, sequence, promise); },
              [=](caf::error& error) mutable { promise.deliver(error); });
  }

  std::shared_ptr<const partition_map> map_;
  caf::actor broker_;
  std::shared_ptr<cluster_gate> gate_;
  std::deque<pending_command> queue_;
  bool busy_ = false;
  std::uint64_t applied_ = 0;
  std::set<std::pair<std::uint32_t, std::uint64_t>> seen_;
  std::deque<std::pair<std::uint32_t, std::uint64_t>> seen_order_;
  std::int64_t min_deadline_ = 0;
  bool sweep_pending_ = false;
  std::chrono::steady_clock::time_point sweep_proposed_at_{};
  std::vector<std::pair<std::uint64_t, std::function<void()>>> idle_tasks_;
};

}  // namespace

caf::actor spawn_cluster_applier(caf::actor_system& system,
                                 std::shared_ptr<const partition_map> map, caf::actor broker,
                                 std::shared_ptr<cluster_gate> gate) {
  return system.spawn<cluster_applier>(std::move(map), std::move(broker), std::move(gate));
}

cluster::log_hooks applier_hooks(caf::actor_system& system, caf::actor applier) {
  cluster::log_hooks hooks;
  hooks.committed = [applier](std::uint64_t sequence, std::string entry) {
    caf::anon_send(applier, committed_entry{sequence, std::move(entry)});
  };
  hooks.snapshot = [&system, applier](std::uint64_t sequence) {
    std::string state;
    caf::scoped_actor self(system);
    self->request(applier, caf::infinite, snapshot_atom::value, sequence)
        .receive([&](std::string& bytes) { state = std::move(bytes); },
                 [&](caf::error& error) {
                   spdlog::error("cluster: snapshot failed: {}", to_string(error));
                 });
    return state;
  };
  hooks.restore = [&system, applier](std::uint64_t sequence, std::string_view bytes) {
    bool ok = false;
    caf::scoped_actor self(system);
    self->request(applier, caf::infinite, restore_state{sequence, std::string(bytes)})
        .receive([&](bool restored) { ok = restored; }, [&](caf::error&) { ok = false; });
    return ok;
  };
  return hooks;
}

}  // namespace kv
