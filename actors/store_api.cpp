// store_api calls become operations sent, without blocking, to the owning partition (one key)
// or to a router actor (several partitions).
#include "actors/store_api.hpp"

#include <atomic>
#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/store_backend.hpp"

namespace kv {
namespace {

std::size_t this_thread_index() {
  static std::atomic<std::size_t> next_index{0};
  thread_local const std::size_t index = next_index.fetch_add(1, std::memory_order_relaxed);
  return index;
}

template <class Request, class Result>
void send_to_partition(const store_api::backend& backend, Request request,
                       completion<Result> done) {
  const auto& partition = backend.partition_for(request.key);
  caf::anon_send(partition,
                 keyed_operation<Request, Result>{
                     std::move(request), make_reply_slot(std::move(done)), backend.deadline()});
}

template <class Request, class Result>
void send_to_router(const store_api::backend& backend, Request request, completion<Result> done) {
  caf::anon_send(backend.router_for_this_thread(),
                 operation<Request, Result>{std::move(request), make_reply_slot(std::move(done))});
}

thread_local bool stale_reads = false;

// Cluster mode: a linearizable read waits until the local copy holds every acknowledged write.
// Standalone (and for stale reads) the caller sends at once, with nothing allocated for it.
cluster_gate* linearizing_gate(const store_api::backend& backend) {
  return stale_reads ? nullptr : backend.gate();
}

template <class Result, class Send>
void read_after_barrier(cluster_gate& gate, completion<Result> done, Send send) {
  auto shared = std::make_shared<completion<Result>>(std::move(done));
  gate.linearize([shared, send = std::move(send)](bool ok) mutable {
    if (ok) {
      send(std::move(*shared));
    } else {
      (*shared)(std::nullopt);
    }
  });
}

cluster::command command_of(cluster::command_kind kind, std::string key = {}) {
  cluster::command c;
  c.kind = kind;
  c.key = std::move(key);
  return c;
}

}  // namespace

void store_api::set_stale_reads(bool stale) {
  stale_reads = stale;
}

bool store_api::replicated() const {
  return backend_->gate() != nullptr;
}

const caf::actor& store_api::backend::router_for_this_thread() const {
  return routers_[this_thread_index() % routers_.size()];
}

void store_api::get(std::string key, completion<read_value> done) const {
  cluster_gate* gate = linearizing_gate(*backend_);
  if (gate == nullptr) {
    return send_to_partition(*backend_, get_request{std::move(key)}, std::move(done));
  }
  read_after_barrier(*gate, std::move(done),
                     [backend = backend_, key = std::move(key)](auto answer) mutable {
                       send_to_partition(*backend, get_request{std::move(key)}, std::move(answer));
                     });
}

void store_api::put(std::string key, shared_bytes value, value_type type,
                    std::optional<std::uint64_t> expected_version,
                    completion<put_outcome> done) const {
  put(std::move(key), std::move(value), type, expected_version, 0, std::move(done));
}

void store_api::put(std::string key, shared_bytes value, value_type type,
                    std::optional<std::uint64_t> expected_version, std::uint32_t ttl_seconds,
                    completion<put_outcome> done) const {
  if (auto* gate = backend_->gate()) {
    auto c = command_of(cluster::command_kind::put, std::move(key));
    c.value = std::move(value);
    c.type = type;
    c.expected_version = expected_version;
    c.ttl_seconds = ttl_seconds;
    return gate->write(std::move(c), std::move(done));
  }
  send_to_partition(
      *backend_, put_request{std::move(key), std::move(value), expected_version, type, ttl_seconds},
      std::move(done));
}

void store_api::change_expiry(std::string key, std::optional<std::uint32_t> ttl_seconds,
                              std::optional<std::uint64_t> expected_version,
                              completion<expiry_outcome> done) const {
  if (auto* gate = backend_->gate()) {
    auto c = command_of(cluster::command_kind::expiry, std::move(key));
    c.expiry_ttl = ttl_seconds;
    c.expected_version = expected_version;
    return gate->write(std::move(c), std::move(done));
  }
  send_to_partition(*backend_, expiry_request{std::move(key), ttl_seconds, expected_version},
                    std::move(done));
}

void store_api::operate(std::string key, typed_operation op,
                        std::optional<std::uint64_t> expected_version, std::size_t max_value_bytes,
                        completion<operation_outcome> done) const {
  if (auto* gate = backend_->gate()) {
    auto c = command_of(cluster::command_kind::operate, std::move(key));
    c.op = std::move(op);
    c.expected_version = expected_version;
    c.max_value_bytes = max_value_bytes;
    return gate->write(std::move(c), std::move(done));
  }
  send_to_partition(
      *backend_, operate_request{std::move(key), std::move(op), expected_version, max_value_bytes},
      std::move(done));
}

void store_api::erase(std::string key, std::optional<std::uint64_t> expected_version,
                      completion<delete_outcome> done) const {
  if (auto* gate = backend_->gate()) {
    auto c = command_of(cluster::command_kind::erase, std::move(key));
    c.expected_version = expected_version;
    return gate->write(std::move(c), std::move(done));
  }
  send_to_partition(*backend_, delete_request{std::move(key), expected_version}, std::move(done));
}

void store_api::put_all(key_value_list pairs, completion<std::size_t> done) const {
  put_all(std::move(pairs), 0, std::move(done));
}

void store_api::put_all(key_value_list pairs, std::uint32_t ttl_seconds,
                        completion<std::size_t> done) const {
  if (auto* gate = backend_->gate()) {
    if (pairs.empty()) return done(std::size_t{0});
    auto c = command_of(cluster::command_kind::put_all);
    c.pairs = std::move(pairs);
    c.ttl_seconds = ttl_seconds;
    return gate->write(std::move(c), std::move(done));
  }
  send_to_router(*backend_, put_all_request{std::move(pairs), ttl_seconds}, std::move(done));
}

void store_api::list(scan_query query, completion<list_page> done) const {
  cluster_gate* gate = linearizing_gate(*backend_);
  if (gate == nullptr) {
    return send_to_router(*backend_, scan_request{std::move(query)}, std::move(done));
  }
  read_after_barrier(*gate, std::move(done),
                     [backend = backend_, query = std::move(query)](auto answer) mutable {
                       send_to_router(*backend, scan_request{std::move(query)}, std::move(answer));
                     });
}

void store_api::partitions(completion<std::vector<partition_info>> done) const {
  send_to_router(*backend_, stats_request{}, std::move(done));
}

// ---- batch ----

struct store_api::batch::state {
  std::shared_ptr<backend> target;
  // Cluster mode: each call goes the single call's way, through the raft log (writes) and the
  // barrier (reads): a partition must not apply what the log has not ordered.
  std::optional<store_api> replicated;
  // Per partition, the calls added since the last submit; `touched` lists the partitions that
  // have some, in the order first touched.
  std::vector<std::vector<any_keyed_operation>> by_partition;
  std::vector<std::size_t> touched;
  std::size_t count = 0;

  template <class Request, class Result>
  void add(Request request, completion<Result> done) {
    const std::size_t index = target->partition_index(request.key);
    auto& calls = by_partition[index];
    if (calls.empty()) touched.push_back(index);
    calls.emplace_back(keyed_operation<Request, Result>{
        std::move(request), make_reply_slot(std::move(done)), target->deadline()});
    ++count;
  }
};

store_api::batch::batch(const store_api& store) : state_(std::make_unique<state>()) {
  state_->target = store.backend_;
  if (store.replicated()) state_->replicated.emplace(store);
  state_->by_partition.resize(state_->target->partition_count());
}

store_api::batch::~batch() {
  submit();
}

void store_api::batch::get(std::string key, completion<read_value> done) {
  if (state_->replicated) return state_->replicated->get(std::move(key), std::move(done));
  state_->add(get_request{std::move(key)}, std::move(done));
}

void store_api::batch::put(std::string key, shared_bytes value, value_type type,
                           std::optional<std::uint64_t> expected_version, std::uint32_t ttl_seconds,
                           completion<put_outcome> done) {
  if (state_->replicated) {
    return state_->replicated->put(std::move(key), std::move(value), type, expected_version,
                                   ttl_seconds, std::move(done));
  }
  state_->add(put_request{std::move(key), std::move(value), expected_version, type, ttl_seconds},
              std::move(done));
}

void store_api::batch::change_expiry(std::string key, std::optional<std::uint32_t> ttl_seconds,
                                     std::optional<std::uint64_t> expected_version,
                                     completion<expiry_outcome> done) {
  if (state_->replicated) {
    return state_->replicated->change_expiry(std::move(key), ttl_seconds, expected_version,
                                             std::move(done));
  }
  state_->add(expiry_request{std::move(key), ttl_seconds, expected_version}, std::move(done));
}

void store_api::batch::operate(std::string key, typed_operation op,
                               std::optional<std::uint64_t> expected_version,
                               std::size_t max_value_bytes, completion<operation_outcome> done) {
  if (state_->replicated) {
    return state_->replicated->operate(std::move(key), std::move(op), expected_version,
                                       max_value_bytes, std::move(done));
  }
  state_->add(operate_request{std::move(key), std::move(op), expected_version, max_value_bytes},
              std::move(done));
}

void store_api::batch::erase(std::string key, std::optional<std::uint64_t> expected_version,
                             completion<delete_outcome> done) {
  if (state_->replicated) {
    return state_->replicated->erase(std::move(key), expected_version, std::move(done));
  }
  state_->add(delete_request{std::move(key), expected_version}, std::move(done));
}

std::size_t store_api::batch::size() const {
  return state_->count;
}

void store_api::batch::submit() {
  for (const std::size_t index : state_->touched) {
    auto& calls = state_->by_partition[index];
    const caf::actor& partition = state_->target->partition_at(index);
    if (calls.size() == 1) {
      std::visit([&partition](auto& op) { caf::anon_send(partition, std::move(op)); },
                 calls.front());
      calls.clear();
    } else {
      caf::anon_send(partition, keyed_batch{std::move(calls)});
      calls = {};
    }
  }
  state_->touched.clear();
  state_->count = 0;
}

}  // namespace kv
