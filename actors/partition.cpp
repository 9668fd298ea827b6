// The partition actor's behaviour: each message maps to one partition_store call. Without a log
// each change is announced to the broker and answered at once; with one, it is logged first and
// announced and answered only once the fsync mode allows (see pending_writes.hpp). Keys past
// their expiry deadline are removed, each as a change of its own, by a sweep in bounded turns
// and before any write to them.
#include "actors/partition.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <utility>
#include <variant>
#include <vector>

#include "actors/failed_write_report.hpp"
#include "actors/feed_messages.hpp"
#include "actors/heap_trimmer.hpp"
#include "actors/messages.hpp"
#include "actors/pending_writes.hpp"

namespace kv {
namespace {

// Write buffered records to the OS once this much waits, rather than at the end of the batch.
constexpr std::uint64_t flush_threshold_bytes = 1 << 20;
// Entries copied per turn while taking a snapshot: well under a millisecond each turn, so
// requests between turns barely wait (docs/performance.md has the pause times).
constexpr std::size_t snapshot_chunk_entries = 1024;
// At most one log line per partition this often about failed log writes.
constexpr auto failure_report_interval = std::chrono::seconds(10);
// An expiry sweep turn stops after this long, checking every sweep_chunk_keys removals, and the
// next waits sweep_pause: a burst of expiries takes at most a quarter of a core per partition, as
// Redis's active expiry does, so that 100,000 keys expiring at once never starve requests (reads
// hide expired keys whether removed yet or not; docs/performance.md).
constexpr auto sweep_turn_budget = std::chrono::milliseconds(1);
constexpr auto sweep_pause = std::chrono::milliseconds(3);
constexpr std::size_t sweep_chunk_keys = 64;
// The sweep looks again at least this often while deadlines exist, which also bounds how late
// an event comes when the system clock jumps forward.
constexpr std::int64_t max_sweep_wait_ms = 1000;
// After a sweep that removed at least this many keys, their memory goes back to the system.
constexpr std::size_t trim_after_swept_keys = 4096;

// Self-messages. flush: the end of the current mailbox batch (group commit); tick: the
// everysec timer; snapshot_next: copy the next chunk of entries; log_failures: failed writes
// waited for the end of an interval to be logged.
using flush_log_atom = caf::atom_constant<caf::atom("flush_log")>;
using tick_log_atom = caf::atom_constant<caf::atom("tick_log")>;
using log_failures_atom = caf::atom_constant<caf::atom("log_fails")>;
using snapshot_next_atom = caf::atom_constant<caf::atom("snap_next")>;
// sweep: remove expired keys; its argument is the deadline a timer was armed for, or 0.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// io_pool -> partition
struct sync_finished {
  storage::sync_request request;
  storage::status outcome;
};
struct snapshot_finished {
  storage::status outcome;
  std::chrono::steady_clock::duration took;
};

}  // namespace
}  // namespace kv

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::sync_finished)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::snapshot_finished)

namespace kv {
namespace {

using clock_type = std::chrono::steady_clock;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double milliseconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// CPU time of the calling thread: a pause measured by the wall clock also counts the time
// other processes had the core, which on a busy machine says little about the copy itself.
std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// A snapshot being copied, a chunk per turn, in key order.
struct snapshot_copy {
  storage::snapshot_plan plan;
  std::vector<storage::snapshot_entry> entries;
  std::optional<std::string> after;  // the last key copied
  std::size_t copied = 0;
  clock_type::duration longest_pause{};
  std::chrono::nanoseconds longest_pause_cpu{};
  std::size_t chunks = 0;
};

class partition_actor : public caf::event_based_actor {
 public:
  partition_actor(caf::actor_config& config, std::size_t id, caf::actor broker,
                  heap_trimmer& trimmer, bool replicated)
      : caf::event_based_actor(config),
        id_(id),
        broker_(std::move(broker)),
        trimmer_(trimmer),
        replicated_(replicated) {}

  caf::behavior make_behavior() override {
    return {
        [this](get_operation& op) { serve_get(op); },
        [this](put_operation& op) { serve_keyed(op); },
        [this](keyed_batch& batch) {
          const announcement_batch announcing(*this);
          for (auto& op : batch.operations) {
            std::visit([this](auto& one) { serve_keyed(one); }, op);
          }
        },
        [this](delete_operation& op) { serve_keyed(op); },
        [this](operate_operation& op) { serve_keyed(op); },
        [this](expiry_operation& op) { serve_keyed(op); },
        [this](put_all_request& request) -> caf::result<std::size_t> {
          command_ts_ = request.command_ts;
          return serve_put_all(request);
        },
        [this](replicated_sweep& sweep) -> std::int64_t { return serve_replicated_sweep(sweep); },
        [this](partition_dump_request&) -> partition_dump {
          scan_query all;
          all.limit = SIZE_MAX;
          all.with_values = true;
          all.include_expired = true;
          return partition_dump{seq_, store_.scan(all).items};
        },
        [this](partition_dump& load) -> bool {
          store_ = partition_store{};
          for (auto& item : load.items) {
            store_.set(item.key, std::move(item.value), item.version, item.type,
                       item.expires_at_ms);
          }
          seq_ = load.seq;
          return true;
        },
        [this](scan_request& request) -> scan_page {
          observe_clock();
          return store_.scan(request.query);
        },
        [this](sweep_atom, std::int64_t armed_for) {
          if (sweep_armed_for_ == armed_for) sweep_armed_for_.reset();
          sweep_expired();
        },
        [this](stats_request&) -> partition_stats {
          return {store_.key_count(), store_.byte_count(), mailbox().size()};
        },
        [this](attach_log& attach) -> bool { return attach_recovered(attach); },
        [this](flush_log_atom) {
          flush_scheduled_ = false;
          flush();
        },
        [this](tick_log_atom) {
          timer_set_ = false;
          start_sync_if_due();
          arm_everysec_timer();
        },
        [this](sync_finished& finished) { finish_sync(finished); },
        [this](snapshot_next_atom) { copy_snapshot_chunk(); },
        [this](log_failures_atom) {
          failure_timer_set_ = false;
          log_failed_writes();
        },
        [this](snapshot_finished& finished) { finish_snapshot(finished); },
        [this](sync_log_atom) -> caf::result<bool> { return sync_for_shutdown(); },
    };
  }

 private:
  // ---- Requests ----

  // Answers a keyed operation, unless it waited in the mailbox past its deadline.
  template <class Operation, class Apply>
  static void serve(Operation& op, Apply apply) {
    if (clock_type::now() > op.deadline) return op.reply->complete(std::nullopt);
    op.reply->complete(apply(op.request));
  }

  template <class Operation>
  bool expired_or_refused(Operation& op) {
    if (clock_type::now() <= op.deadline && !log_refuses_writes()) return false;
    op.reply->complete(std::nullopt);
    return true;
  }

  // After a failed fsync the log takes no more writes until a restart; each refusal counts.
  bool log_refuses_writes() {
    if (!log_ || log_->health().ok()) return false;
    count_failed_writes(1, log_->health());
    return true;
  }

  void serve_get(get_operation& op) {
    serve(op, [this](get_request& request) {
      observe_clock();
      return store_.read(request.key);
    });
  }

  // One operation, alone or of a keyed_batch. A write decides with the timestamp its command
  // carries when replicated (command_ts_; unused standalone).
  void serve_keyed(get_operation& op) { serve_get(op); }
  void serve_keyed(put_operation& op) {
    command_ts_ = op.command_ts;
    serve_put(op);
  }
  void serve_keyed(delete_operation& op) {
    command_ts_ = op.command_ts;
    serve_delete(op);
  }
  void serve_keyed(operate_operation& op) {
    command_ts_ = op.command_ts;
    serve_operate(op);
  }
  void serve_keyed(expiry_operation& op) {
    command_ts_ = op.command_ts;
    serve_expiry(op);
  }

  void serve_put(put_operation& op) {
    if (expired_or_refused(op)) return;
    put_request& request = op.request;
    const std::int64_t deadline = prepare_write(request.key, request.ttl_seconds);
    auto previous = previous_of(request.key);
    const put_outcome outcome =
        store_.put(request.key, request.value, request.expected_version, request.type, deadline);
    if (outcome.status != write_status::ok) return answer_refused(std::move(op.reply), outcome);
    const bool recorded = record({change_op::put, std::move(request.key), std::move(request.value),
                                  outcome.version, id_, seq_ + 1, now_ms(), request.type, deadline},
                                 std::move(previous));
    answer_when_durable(std::move(op.reply), outcome, recorded);
  }

  // Reads, changes and writes the key in this one turn: nothing else touches it in between.
  void serve_operate(operate_operation& op) {
    if (expired_or_refused(op)) return;
    operate_request& request = op.request;
    prepare_write(request.key, 0);
    // An operation keeps the key's expiry, as Redis's INCR does. Replicated: what expired at the
    // command's time is gone already, and the local clock must not decide.
    const read_value current = store_.read(request.key, replicated_);
    const bool exists = current.value != nullptr;
    const std::uint64_t current_version = exists ? current.version : 0;
    if (request.expected_version && *request.expected_version != current_version) {
      operation_outcome conflict;
      conflict.status = write_status::conflict;
      conflict.version = current_version;
      return answer_refused(std::move(op.reply), conflict);
    }
    operation_result result = apply_operation(request.op, exists, current.type,
                                              exists ? current.value.view() : std::string_view());
    if (result.status == operation_status::ok && result.value.size() > request.max_value_bytes) {
      result = {operation_status::too_large,
                result.type,
                {},
                "the new value would be " + std::to_string(result.value.size()) +
                    " bytes, the limit is " + std::to_string(request.max_value_bytes)};
    }
    if (result.status != operation_status::ok) {
      return answer_refused(std::move(op.reply),
                            operation_outcome{write_status::ok, result.status, current_version,
                                              result.type, nullptr, std::move(result.message)});
    }
    if (result.unchanged) {
      // Redis's rules: an operation that changes nothing writes nothing (no version, no event).
      const operation_outcome unchanged{write_status::ok,
                                        operation_status::ok,
                                        current_version,
                                        current.type,
                                        current.value,
                                        {},
                                        0};
      return answer_refused(std::move(op.reply), unchanged);
    }
    auto previous = previous_of(request.key);
    shared_bytes value = shared_bytes::copy_of(result.value);
    const put_outcome outcome =
        store_.put(request.key, value, std::nullopt, result.type, current.expires_at_ms);
    const operation_outcome answer{
        write_status::ok, operation_status::ok, outcome.version, result.type, value, {},
        result.changed};
    const bool recorded =
        record({change_op::put, std::move(request.key), std::move(value), outcome.version, id_,
                seq_ + 1, now_ms(), result.type, current.expires_at_ms},
               std::move(previous));
    answer_when_durable(std::move(op.reply), answer, recorded);
  }

  // op=expire and op=persist: the value rewritten as it is with a new deadline, so that the
  // change has a version, a log record and an event like any write.
  void serve_expiry(expiry_operation& op) {
    if (expired_or_refused(op)) return;
    expiry_request& request = op.request;
    const std::int64_t deadline = prepare_write(request.key, request.ttl_seconds.value_or(0));
    const read_value current = store_.read(request.key, replicated_);
    expiry_outcome outcome{write_status::ok, current.value != nullptr,
                           current.value ? current.version : 0, current.expires_at_ms};
    if (request.expected_version && *request.expected_version != outcome.version) {
      outcome.status = write_status::conflict;
      return answer_refused(std::move(op.reply), outcome);
    }
    if (!outcome.found || (deadline == 0 && current.expires_at_ms == 0)) {
      return answer_refused(std::move(op.reply), outcome);  // nothing to change
    }
    auto previous = previous_of(request.key);
    outcome.version =
        store_.put(request.key, current.value, std::nullopt, current.type, deadline).version;
    outcome.expires_at_ms = deadline;
    outcome.changed = true;
    const bool recorded = record({change_op::put, std::move(request.key), current.value,
                                  outcome.version, id_, seq_ + 1, now_ms(), current.type, deadline},
                                 std::move(previous));
    answer_when_durable(std::move(op.reply), outcome, recorded);
  }

  void serve_delete(delete_operation& op) {
    if (expired_or_refused(op)) return;
    delete_request& request = op.request;
    prepare_write(request.key, 0);
    auto previous = previous_of(request.key);
    const delete_outcome outcome = store_.erase(request.key, request.expected_version);
    if (!outcome.deleted) return answer_refused(std::move(op.reply), outcome);
    const bool recorded = record({change_op::del, std::move(request.key), nullptr,
                                  outcome.current_version, id_, seq_ + 1, now_ms()},
                                 std::move(previous));
    answer_when_durable(std::move(op.reply), outcome, recorded);
  }

  // A write that changed nothing is answered at once, unless removing the key it found expired
  // was logged first: then it waits for that record, so that a client that saw the key gone
  // never sees it again after a crash.
  template <class Outcome>
  void answer_refused(reply_slot_ptr<Outcome> reply, const Outcome& outcome) {
    if (!log_ || !expired_in_this_turn_) return reply->complete(outcome);
    finish_request([reply = std::move(reply), outcome](bool) { reply->complete(outcome); }, true);
  }

  // Without a log the write is answered in place (or once a batch's changes are announced),
  // with no callback to allocate on the path of every write; with one, once the log
  // acknowledges or fails it.
  template <class Outcome>
  void answer_when_durable(reply_slot_ptr<Outcome> reply, const Outcome& outcome, bool recorded) {
    if (!log_) {
      if (announcing_batches_ == 0) return reply->complete(outcome);
      batch_answers_.emplace_back(std::in_place_type<std::pair<reply_slot_ptr<Outcome>, Outcome>>,
                                  std::move(reply), outcome);
      return;
    }
    finish_request(
        [reply = std::move(reply), outcome](bool durable) {
          reply->complete(durable ? std::optional<Outcome>(outcome) : std::nullopt);
        },
        recorded);
  }

  caf::result<std::size_t> serve_put_all(put_all_request& request) {
    const std::size_t count = request.pairs.size();
    if (log_refuses_writes()) return caf::make_error(caf::sec::runtime_error);
    bool recorded = true;
    for (auto& [key, value, type] : request.pairs) {
      const std::int64_t deadline = prepare_write(key, request.ttl_seconds);
      auto previous = previous_of(key);
      const put_outcome outcome = store_.put(key, value, std::nullopt, type, deadline);
      // The log cannot break between records of one message (appends do no I/O), so either
      // every record is taken or the first is refused.
      recorded = record({change_op::put, std::move(key), std::move(value), outcome.version, id_,
                         seq_ + 1, now_ms(), type, deadline},
                        std::move(previous));
      if (!recorded) break;
    }
    if (!log_ || count == 0) return count;
    auto promise = make_response_promise<std::size_t>();
    finish_request(
        [promise, count](bool durable) mutable {
          if (durable) {
            promise.deliver(count);
          } else {
            promise.deliver(caf::make_error(caf::sec::runtime_error));
          }
        },
        recorded);
    return promise;
  }

  // ---- Recording changes ----

  // What a logged write must be able to restore if the log fails it.
  std::optional<read_value> previous_of(const std::string& key) const {
    if (!log_) return std::nullopt;
    read_value found = store_.read(key, /*include_expired=*/true);
    return found.value ? std::optional<read_value>(std::move(found)) : std::nullopt;
  }

  // Without a log: announces the change now. With one: logs it and keeps it pending. Returns
  // false, with the change taken back, when the log refuses it.
  bool record(applied_change change, std::optional<read_value> previous) {
    if (!log_) {
      seq_ = change.seq;
      announce(std::move(change));
      return true;
    }
    const storage::wal_record_view view{wal_op_of(change.op), change.seq,          change.version,
                                        change.key,           change.value.view(), change.type,
                                        change.expires_at_ms};
    auto ticket = log_->append(view);
    if (!ticket.ok()) {
      undo(change.key, previous);
      report_log_failure(ticket.error());
      return false;
    }
    seq_ = change.seq;
    pending_.add({ticket.value(), std::move(previous), std::move(change), nullptr});
    return true;
  }

  // ---- Announcing changes ----

  // While it lives, the partition's changes are held and then sent to the broker in one message,
  // before the answers to the writes that made them: a client holding its answer may count on
  // the broker having the change (a watch opened after the answer starts past it), as when each
  // change is sent on its own before its answer.
  class announcement_batch {
   public:
    explicit announcement_batch(partition_actor& owner) : owner_(owner) {
      ++owner_.announcing_batches_;
    }
    announcement_batch(const announcement_batch&) = delete;
    announcement_batch& operator=(const announcement_batch&) = delete;
    ~announcement_batch() {
      if (--owner_.announcing_batches_ == 0) owner_.end_announcement_batch();
    }

   private:
    partition_actor& owner_;
  };

  void announce(applied_change&& change) {
    if (announcing_batches_ != 0) return batch_changes_.push_back(std::move(change));
    send(broker_, std::move(change));
  }

  void end_announcement_batch() {
    if (batch_changes_.size() == 1) {
      send(broker_, std::move(batch_changes_.front()));
    } else if (!batch_changes_.empty()) {
      send(broker_, applied_changes{std::move(batch_changes_)});
    }
    batch_changes_.clear();
    for (auto& answer : batch_answers_) {
      std::visit(
          [](auto& reply_and_outcome) {
            reply_and_outcome.first->complete(std::move(reply_and_outcome.second));
          },
          answer);
    }
    batch_answers_.clear();
  }

  // With a log (callers answer in place without one): answers now when nothing was recorded,
  // else when the last record is acknowledged or fails.
  void finish_request(std::function<void(bool)> answer, bool recorded) {
    if (!recorded) {
      count_failed_writes(1, log_->health().ok() ? last_failure_ : log_->health());
      return answer(false);
    }
    pending_.newest().answer = std::move(answer);
    schedule_flush();
  }

  void schedule_flush() {
    if (log_->buffered_bytes() >= flush_threshold_bytes) return flush();
    if (!flush_scheduled_) {
      // Handled after every message already queued: the whole batch shares one write and one
      // fsync (group commit).
      flush_scheduled_ = true;
      send(this, flush_log_atom::value);
    }
  }

  // ---- Expiry ----

  // Every request reads the clock only while some key has a deadline.
  void observe_clock() {
    expired_in_this_turn_ = false;
    if (store_.has_deadlines()) store_.advance_clock(unix_ms_now());
  }

  // Before a write to `key`: removes it if it expired, and returns the deadline a ttl gives
  // (0 for none), counted from the partition's clock so that it never lies in its past.
  std::int64_t prepare_write(const std::string& key, std::uint32_t ttl_seconds) {
    if (replicated_) {
      // Decided by the command's timestamp alone: the same on every member.
      expired_in_this_turn_ = false;
      const read_value current = store_.read(key, true);
      if (current.value && current.expires_at_ms != 0 && current.expires_at_ms <= command_ts_) {
        expire_key(key, current.version);
      }
      return ttl_seconds == 0 ? 0 : command_ts_ + std::int64_t{ttl_seconds} * 1000;
    }
    observe_clock();
    if (store_.expired(key)) expire_key(key, store_.read(key, true).version);
    if (ttl_seconds == 0) return 0;
    store_.advance_clock(unix_ms_now());
    arm_sweep(store_.clock_ms() + std::int64_t{ttl_seconds} * 1000);
    return store_.clock_ms() + std::int64_t{ttl_seconds} * 1000;
  }

  // Removes an expired key as a change of its own; false when the log refused it (the key is
  // then back, still expired, and invisible to reads).
  bool expire_key(const std::string& key, std::uint64_t version) {
    auto previous = previous_of(key);
    store_.remove(key);
    const bool recorded =
        record({change_op::expire, key, nullptr, version, id_, seq_ + 1, now_ms()}, previous);
    if (recorded && log_) {
      expired_in_this_turn_ = true;
      schedule_flush();
    }
    return recorded;
  }

  // Removes expired keys until none is left or the turn's budget is spent; a later turn goes
  // on, after whatever requests arrived meanwhile.
  void sweep_expired() {
    observe_clock();
    const auto started = clock_type::now();
    // A broken log takes no removals; the keys stay invisible until a restart removes them.
    while (!log_ || log_->health().ok()) {
      const auto due = store_.expired_keys(sweep_chunk_keys);
      for (const auto& [key, version] : due) {
        if (!expire_key(key, version)) return arm_sweep(store_.clock_ms() + max_sweep_wait_ms);
      }
      swept_since_trim_ += due.size();
      if (due.size() < sweep_chunk_keys) break;
      if (clock_type::now() - started >= sweep_turn_budget) {
        delayed_send(this, sweep_pause, sweep_atom::value, std::int64_t{0});
        return;
      }
    }
    // The allocator keeps the memory of many small freed blocks for reuse; a node that just
    // dropped a burst of expired keys would otherwise go on holding it.
    if (swept_since_trim_ >= trim_after_swept_keys) {
      swept_since_trim_ = 0;
      trimmer_.release_all_soon();
    }
    if (const auto next = store_.next_deadline()) arm_sweep(*next);
  }

  // Cluster mode: the leader's sweep, applied identically on every member.
  std::int64_t serve_replicated_sweep(const replicated_sweep& sweep) {
    command_ts_ = sweep.ts_ms;
    std::size_t removed = 0;
    while (removed < sweep.limit) {
      const auto next = store_.next_deadline();
      if (!next || *next > sweep.ts_ms) break;
      const auto due = store_.expired_keys_at(sweep.ts_ms, sweep.limit - removed);
      if (due.empty()) break;
      for (const auto& [key, version] : due) expire_key(key, version);
      removed += due.size();
    }
    return store_.next_deadline().value_or(0);
  }

  // The clock of a change: the leader's in cluster mode, the system's otherwise.
  std::int64_t now_ms() const { return replicated_ ? command_ts_ : unix_ms_now(); }

  // A sweep at `deadline` (Unix ms), or sooner if one is already due by then.
  void arm_sweep(std::int64_t deadline) {
    if (replicated_) return;  // the leader decides expiries
    const std::int64_t wait_ms =
        std::clamp<std::int64_t>(deadline - store_.clock_ms(), 0, max_sweep_wait_ms);
    const std::int64_t target = store_.clock_ms() + wait_ms;
    if (sweep_armed_for_ && *sweep_armed_for_ <= target) return;
    sweep_armed_for_ = target;
    delayed_send(this, std::chrono::milliseconds(wait_ms), sweep_atom::value, target);
  }

  static storage::wal_op wal_op_of(change_op op) {
    switch (op) {
      case change_op::put:
        return storage::wal_op::put;
      case change_op::del:
        return storage::wal_op::erase;
      case change_op::expire:
        return storage::wal_op::expire;
    }
    return storage::wal_op::erase;
  }

  void undo(const std::string& key, const std::optional<read_value>& previous) {
    if (previous) {
      store_.set(key, previous->value, previous->version, previous->type, previous->expires_at_ms);
    } else {
      store_.remove(key);
    }
  }

  // Announces and answers what is acknowledgeable, and takes back and answers 503 what failed.
  void settle(const storage::commit_progress& progress) {
    std::vector<std::function<void(bool)>> answers;
    {
      const announcement_batch announcing(*this);
      pending_.acknowledge_through(progress.acknowledged_through,
                                   [this, &answers](pending_write& write) {
                                     announce(std::move(write.change));
                                     if (write.answer) answers.push_back(std::move(write.answer));
                                   });
    }
    for (auto& answer : answers) answer(true);
    if (!progress.error.ok()) report_log_failure(progress.error);
    if (progress.failed_after) {
      std::uint64_t failed = 0;
      pending_.fail_after(*progress.failed_after, [this, &failed](pending_write& write) {
        undo(write.change.key, write.previous);
        seq_ = write.change.seq - 1;
        if (!write.answer) return;
        ++failed;
        write.answer(false);
      });
      count_failed_writes(failed, progress.error);
    }
  }

  void report_log_failure(const storage::status& error) {
    last_failure_ = error;
    if (log_->health().ok() || broken_reported_) return;
    broken_reported_ = true;
    spdlog::error("partition {}: the log is broken, writes get 503 until a restart: {}", id_,
                  error.message());
  }

  // Each write answered 503 because of the log: counted for the metrics at once, and for the
  // log in lines paced by failure_report_.
  void count_failed_writes(std::uint64_t failed, const storage::status& cause) {
    if (failed == 0) return;
    counters_->writes_failed.fetch_add(failed, std::memory_order_relaxed);
    if (!cause.ok()) last_failure_ = cause;
    failure_report_.count(failed, clock_type::now());
    log_failed_writes();
  }

  void log_failed_writes() {
    const auto now = clock_type::now();
    if (const auto line = failure_report_.take_due(now)) {
      spdlog::error(
          "partition {}: {} log writes failed and were answered 503 in the last {:.1f} s (total "
          "{}): {}",
          id_, line->failed, std::chrono::duration<double>(line->span).count(), line->total,
          last_failure_.message());
    }
    const auto due = failure_report_.next_due();
    if (!due || failure_timer_set_) return;
    failure_timer_set_ = true;
    delayed_send(this, std::max(clock_type::duration::zero(), *due - now),
                 log_failures_atom::value);
  }

  // ---- Writing and syncing ----

  // Returns whether what expired while the node was down was removed and synced, so that its
  // events are out before the node turns ready.
  bool attach_recovered(attach_log& attach) {
    store_ = std::move(attach.data->store);
    log_.emplace(std::move(*attach.data->log));
    seq_ = log_->last_seq();
    sync_pool_ = attach.sync_pool;
    snapshot_pool_ = attach.snapshot_pool;
    counters_ = std::move(attach.counters);
    // Keys whose deadline passed while the node was down go now, each with its event, before
    // any request is served: this message comes before every request.
    observe_clock();
    const auto expired = store_.expired_keys(SIZE_MAX);
    for (const auto& [key, version] : expired) {
      if (!expire_key(key, version)) break;
    }
    if (const auto next = store_.next_deadline()) arm_sweep(*next);
    return expired.empty() || sync_now();
  }

  // Hands the buffered records to the OS, and answers what that makes acknowledgeable.
  void write_buffered() {
    const std::uint64_t bytes = log_->buffered_bytes();
    const storage::commit_progress progress = log_->flush();
    if (progress.error.ok()) counters_->bytes_written.fetch_add(bytes, std::memory_order_relaxed);
    settle(progress);
  }

  void flush() {
    write_buffered();
    start_sync_if_due();
    arm_everysec_timer();
    start_snapshot_if_due();
  }

  void start_sync_if_due() {
    if (sync_running_) return;
    auto request = log_->start_sync();
    if (!request) return;
    sync_running_ = true;
    sync_pool_->post([self = caf::actor_cast<caf::actor>(this), request = std::move(*request),
                      counters = counters_] {
      const auto started = clock_type::now();
      storage::status outcome = request.run();
      counters->count_fsync(clock_type::now() - started);
      caf::anon_send(self, sync_finished{request, std::move(outcome)});
    });
  }

  void finish_sync(sync_finished& finished) {
    sync_running_ = false;
    settle(log_->finish_sync(finished.request, finished.outcome));
    if (shutdown_waiting_) {
      shutdown_waiting_->deliver(sync_now());
      shutdown_waiting_.reset();
      return;
    }
    start_sync_if_due();
    arm_everysec_timer();
  }

  // everysec: a sync at most a second after the oldest unsynced write. While a sync runs, its
  // end arms the timer instead.
  void arm_everysec_timer() {
    if (timer_set_ || sync_running_) return;
    const auto when = log_->next_sync_time();
    if (!when) return;
    timer_set_ = true;
    delayed_send(this, std::max(clock_type::duration::zero(), *when - clock_type::now()),
                 tick_log_atom::value);
  }

  caf::result<bool> sync_for_shutdown() {
    if (!log_) return true;
    if (!sync_running_) return sync_now();
    shutdown_waiting_ = make_response_promise<bool>();
    return *shutdown_waiting_;
  }

  bool sync_now() {
    const storage::commit_progress progress = log_->sync_now();
    settle(progress);
    return progress.error.ok() && log_->health().ok();
  }

  // ---- Snapshots ----

  void start_snapshot_if_due() {
    if (snapshot_ || !log_->snapshot_due(store_.byte_count())) return;
    auto plan = log_->begin_snapshot();
    if (!plan.ok()) {
      spdlog::error("partition {}: cannot start a snapshot: {}", id_, plan.error().message());
      return;
    }
    snapshot_.emplace();
    snapshot_->plan = plan.value();
    snapshot_->entries.reserve(store_.key_count());
    send(this, snapshot_next_atom::value);
  }

  void copy_snapshot_chunk() {
    const auto started = clock_type::now();
    const auto cpu_started = thread_cpu_time();
    scan_query chunk;
    chunk.after = snapshot_->after;
    chunk.limit = snapshot_chunk_entries;
    chunk.with_values = true;
    chunk.include_expired = true;
    scan_page page = store_.scan(chunk);
    const bool complete = page.items.size() < snapshot_chunk_entries;
    if (!page.items.empty()) snapshot_->after = page.items.back().key;
    snapshot_->copied += page.items.size();
    std::move(page.items.begin(), page.items.end(), std::back_inserter(snapshot_->entries));
    snapshot_->longest_pause = std::max(snapshot_->longest_pause, clock_type::now() - started);
    snapshot_->longest_pause_cpu =
        std::max(snapshot_->longest_pause_cpu, thread_cpu_time() - cpu_started);
    ++snapshot_->chunks;
    if (!complete) return send(this, snapshot_next_atom::value);

    flush();  // prepare_snapshot wants a flushed log
    auto task = log_->prepare_snapshot(snapshot_->plan, std::move(snapshot_->entries));
    if (!task.ok()) {
      log_->finish_snapshot(task.error());
      counters_->snapshots_failed.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("partition {}: snapshot failed: {}", id_, task.error().message());
      snapshot_.reset();
      return;
    }
    snapshot_pool_->post(
        [self = caf::actor_cast<caf::actor>(this), task = std::move(task.value())]() mutable {
          const auto started = clock_type::now();
          storage::status outcome = task.run();
          caf::anon_send(self, snapshot_finished{std::move(outcome), clock_type::now() - started});
        });
  }

  void finish_snapshot(snapshot_finished& finished) {
    log_->finish_snapshot(finished.outcome);
    (finished.outcome.ok() ? counters_->snapshots_written : counters_->snapshots_failed)
        .fetch_add(1, std::memory_order_relaxed);
    if (finished.outcome.ok()) {
      spdlog::info(
          "partition {}: snapshot at seq {} done: {} keys copied in {} chunks, longest pause "
          "{:.2f} ms ({:.2f} ms of CPU), written in {:.1f} ms",
          id_, snapshot_->plan.seq, snapshot_->copied, snapshot_->chunks,
          milliseconds(snapshot_->longest_pause), milliseconds(snapshot_->longest_pause_cpu),
          milliseconds(finished.took));
    } else {
      spdlog::error("partition {}: snapshot failed, the log is kept: {}", id_,
                    finished.outcome.message());
    }
    snapshot_.reset();
  }

  partition_store store_;
  std::size_t id_;
  caf::actor broker_;
  heap_trimmer& trimmer_;
  // Open announcement_batch scopes (one may open inside another), the changes they hold, and
  // the answers that wait for them.
  int announcing_batches_ = 0;
  std::vector<applied_change> batch_changes_;
  std::vector<std::variant<std::pair<reply_slot_ptr<put_outcome>, put_outcome>,
                           std::pair<reply_slot_ptr<delete_outcome>, delete_outcome>,
                           std::pair<reply_slot_ptr<operation_outcome>, operation_outcome>,
                           std::pair<reply_slot_ptr<expiry_outcome>, expiry_outcome>>>
      batch_answers_;
  std::uint64_t seq_ = 0;  // of the last change recorded
  // With persistence: the log, the writes it has not acknowledged, and where blocking file
  // work runs.
  std::optional<storage::partition_log> log_;
  pending_writes pending_;
  storage::io_pool* sync_pool_ = nullptr;
  storage::io_pool* snapshot_pool_ = nullptr;
  std::shared_ptr<durability_counters> counters_;
  bool flush_scheduled_ = false;
  bool sync_running_ = false;
  bool timer_set_ = false;
  bool broken_reported_ = false;
  bool failure_timer_set_ = false;
  failed_write_report failure_report_{failure_report_interval};
  storage::status last_failure_;  // named in the lines about failed writes
  std::optional<caf::typed_response_promise<bool>> shutdown_waiting_;
  std::optional<snapshot_copy> snapshot_;
  // The deadline the earliest pending sweep timer was armed for.
  std::optional<std::int64_t> sweep_armed_for_;
  // This request removed an expired key with a logged record: even a refusal waits for it.
  bool expired_in_this_turn_ = false;
  bool replicated_ = false;
  std::int64_t command_ts_ = 0;       // replicated: the timestamp of the write being applied
  std::size_t swept_since_trim_ = 0;  // keys removed by sweeps since memory was last released
};

}  // namespace

caf::actor spawn_partition(caf::actor_system& system, std::size_t id, caf::actor broker,
                           heap_trimmer& trimmer, bool replicated) {
  return system.spawn<partition_actor>(id, std::move(broker), std::ref(trimmer), replicated);
}

}  // namespace kv
