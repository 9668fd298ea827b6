// Cluster mode's side of store_api: how a write becomes a replicated command and how a
// linearizable read waits for the log. Writes are registered here under a request id, proposed
// to the leader (directly, or forwarded to it when this member follows), and answered when this
// member's cluster applier applies the command, or, when the leader took it from this member over
// HTTP, as soon as the leader sends back the outcome it applied: every member applies every
// command identically, so the two are the same. A proposal whose fate is unknown (leadership lost,
// no leader yet) is proposed again with the same request id until the request's deadline; the
// applier applies a request id at most once. Reads wait for an index from the leader's barrier
// (raft 0.15 has no ReadIndex) and then for the local applier to reach it.
#pragma once

#include <any>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "actors/store_api.hpp"
#include "cluster/command.hpp"
#include "cluster/outcome.hpp"
#include "cluster/replicated_log.hpp"

namespace kv {

class cluster_gate {
 public:
  // How a follower reaches the leader (the node forwards over HTTP): `propose` sends framed
  // commands and hands back the leader's reply once it applied them (cluster::frame of one
  // cluster/outcome.hpp outcome per command, "" where it has none), nullopt when they were not
  // committed; `read_index` gets a barrier's index.
  struct forwarder {
    std::function<void(std::uint64_t leader, std::string entry,
                       std::function<void(std::optional<std::string>)>)>
        propose;
    std::function<void(std::uint64_t leader, std::function<void(std::optional<std::uint64_t>)>)>
        read_index;
  };

  cluster_gate(std::uint32_t node_id, std::chrono::milliseconds timeout);
  ~cluster_gate();
  cluster_gate(const cluster_gate&) = delete;
  cluster_gate& operator=(const cluster_gate&) = delete;

  void attach(cluster::replicated_log* log, forwarder forward);
  // Before the log stops: writes and reads still waiting fail, and nothing runs later.
  void detach();
  std::uint32_t node_id() const { return node_id_; }
  cluster::replicated_log* log() const { return log_; }
  bool is_leader() const;

  // Registers `done` for the command's outcome and proposes it.
  template <class Result>
  void write(cluster::command c, completion<Result> done) {
    auto shared = std::make_shared<completion<Result>>(std::move(done));
    auto answer = [shared](std::string_view outcome) {
      std::optional<Result> result;
      cluster::decode_outcome(outcome, result);  // throws before anyone is answered
      (*shared)(std::move(result));
    };
    submit_new(
        std::move(c), std::any(shared), [shared] { (*shared)(std::nullopt); }, std::move(answer));
  }
  // The leader's expiry decision (no one waits for it).
  void propose_sweep();
  // then(true) once a read started now sees every write acknowledged before; false: 503.
  void linearize(std::function<void(bool)> then);
  // The same, given up (then(false)) after `within` instead of the request timeout.
  void linearize_within(std::chrono::milliseconds within, std::function<void(bool)> then);

  // ---- The applier's side ----
  // The completion waiting for this request (a shared_ptr<completion<R>>), if any.
  std::any take_waiter(std::uint32_t origin, std::uint64_t request_id);
  // Every committed entry up to `sequence` is applied.
  void applied(std::uint64_t sequence);
  std::uint64_t applied_sequence() const;

  // ---- The leader's side of a forwarded write ----
  // `done` gets the encoded outcome of the command (origin, request_id) once it is applied here,
  // or "" when it was applied before (its outcome is gone: the origin waits for its own apply).
  // Returns what drop_remote takes.
  std::uint64_t await_remote(std::uint32_t origin, std::uint64_t request_id,
                             std::function<void(std::string)> done);
  // What await_remote registered for the command, if anything (the applier calls it).
  std::function<void(std::string)> take_remote(std::uint32_t origin, std::uint64_t request_id);
  // The proposal failed: that call no longer waits for the outcome.
  void drop_remote(std::uint32_t origin, std::uint64_t request_id, std::uint64_t token);

 private:
  struct waiter {
    std::any done;
    std::function<void()> fail;
    std::function<void(std::string_view)> answer;  // with the leader's outcome
    std::string encoded;
    std::chrono::steady_clock::time_point deadline;
  };
  void submit_new(cluster::command c, std::any done, std::function<void()> fail,
                  std::function<void(std::string_view)> answer);
  void submit(std::uint64_t request_id);
  void take_leader_reply(std::uint64_t request_id, const std::string& reply);
  void retry_later(std::uint64_t request_id);
  void later(std::chrono::milliseconds delay, std::function<void()> task);
  struct pending_read {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> then;
  };
  using read_batch = std::shared_ptr<std::vector<pending_read>>;
  void linearize_until(std::chrono::steady_clock::time_point deadline,
                       std::function<void(bool)> then);
  // Asks for a barrier for the reads waiting now, if any (else the next read starts one).
  void start_read_barrier();
  void retry_reads(std::vector<pending_read>& batch);
  // A follower's batch: the leader's barrier index applied here, then wait_sequence.
  void wait_index(std::uint64_t index, const read_batch& batch);
  // Answers the batch once the applier has applied the committed() sequence (at once if it has).
  void wait_sequence(std::uint64_t sequence, const read_batch& batch);
  static void answer_reads(std::vector<pending_read>& batch, bool ok);
  void run_timer();
  void stop_timer();

  const std::uint32_t node_id_;
  const std::chrono::milliseconds timeout_;
  cluster::replicated_log* log_ = nullptr;
  forwarder forward_;
  std::uint64_t next_request_id_;

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, waiter> waiters_;
  std::uint64_t applied_sequence_ = 0;
  std::multimap<std::uint64_t, std::function<void(bool)>> reads_;  // by the sequence they need
  std::vector<pending_read> pending_reads_;                        // for the next barrier
  // A barrier is asked for; its answer asks for the next. One at a time: on two shared cores
  // more in flight cost more CPU a read than they saved in waiting (docs/performance.md).
  bool read_barrier_running_ = false;
  struct remote_waiter {
    std::uint64_t token;
    std::function<void(std::string)> done;
  };
  std::multimap<std::pair<std::uint32_t, std::uint64_t>, remote_waiter> remote_;
  std::uint64_t next_remote_token_ = 0;

  std::mutex timer_mutex_;
  std::condition_variable timer_cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
  bool stopping_ = false;
  std::thread timer_thread_;
};

}  // namespace kv
