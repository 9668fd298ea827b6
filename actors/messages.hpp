// The messages between the store_api, the routers and the partitions.
// They are local-only: values travel as shared pointers and replies as callbacks.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/durability_counters.hpp"
#include "actors/partition_recovery.hpp"
#include "actors/reply_slot.hpp"
#include "actors/store_api.hpp"
#include "core/partition_store.hpp"
#include "storage/io_pool.hpp"

namespace kv {

// The requests a partition serves: the first five arrive inside keyed operations, the rest
// from routers, which get the matching reply type back. A ttl of 0 means no expiry.
struct get_request {
  std::string key;
};
struct put_request {
  std::string key;
  shared_bytes value;
  std::optional<std::uint64_t> expected_version;
  value_type type = value_type::bytes;
  std::uint32_t ttl_seconds = 0;
};
struct operate_request {
  std::string key;
  typed_operation op;
  std::optional<std::uint64_t> expected_version;
  std::size_t max_value_bytes = SIZE_MAX;
};
struct delete_request {
  std::string key;
  std::optional<std::uint64_t> expected_version;
};
struct expiry_request {
  std::string key;
  std::optional<std::uint32_t> ttl_seconds;  // nullopt: clear the expiry
  std::optional<std::uint64_t> expected_version;
};
struct put_all_request {
  key_value_list pairs;
  std::uint32_t ttl_seconds = 0;
  std::int64_t command_ts = 0;  // cluster mode: the leader's clock for this write (see below)
};
struct scan_request {
  scan_query query;
};
struct stats_request {};
struct partition_stats {
  std::size_t keys = 0;
  std::size_t bytes = 0;
  std::size_t queue_depth = 0;
};

// store_api -> partition, for one key: the partition answers the slot itself, in one message
// hop. Past its deadline it answers empty (503) without applying, so an overloaded partition
// sheds stale work and a 503 always means "not applied".
template <class Request, class Result>
struct keyed_operation {
  Request request;
  reply_slot_ptr<Result> reply;
  std::chrono::steady_clock::time_point deadline;
  // Cluster mode only: the leader's Unix ms stamped into the replicated command. A replicated
  // partition reads no clock for a write: deadlines, expiry on write and event ts come from it.
  std::int64_t command_ts = 0;
};
using get_operation = keyed_operation<get_request, read_value>;
using put_operation = keyed_operation<put_request, put_outcome>;
using delete_operation = keyed_operation<delete_request, delete_outcome>;
using operate_operation = keyed_operation<operate_request, operation_outcome>;
using expiry_operation = keyed_operation<expiry_request, expiry_outcome>;

// store_api::batch -> partition: keyed operations for this one partition, applied in the order
// they were added, each answering its own slot, as if each had come in a message of its own.
using any_keyed_operation = std::variant<get_operation, put_operation, delete_operation,
                                         operate_operation, expiry_operation>;
struct keyed_batch {
  std::vector<any_keyed_operation> operations;
};

// store_api -> router, for operations that span partitions; the router asks each partition
// with a timeout and merges the answers.
template <class Request, class Result>
struct operation {
  Request request;
  reply_slot_ptr<Result> reply;
};
using put_all_operation = operation<put_all_request, std::size_t>;
using list_operation = operation<scan_request, list_page>;
using partitions_operation = operation<stats_request, std::vector<partition_info>>;

// store_runtime -> partition, once at start and before any key request: the data recovery
// loaded and the log to append to, and the threads that run its fsyncs and its snapshot
// writes (apart, so that a long snapshot write never holds up an fsync that writers wait for).
// The answer comes once keys that expired while the node was down are removed and synced.
struct attach_log {
  std::shared_ptr<recovered_partition_data> data;
  storage::io_pool* sync_pool = nullptr;
  storage::io_pool* snapshot_pool = nullptr;
  std::shared_ptr<durability_counters> counters;
};
// store_runtime -> partition at shutdown: write and fsync what the log holds; the answer is
// whether that worked.
using sync_log_atom = caf::atom_constant<caf::atom("sync_log")>;

// Cluster mode (actors/cluster_applier.cpp -> partition). The leader's sweep: keys whose deadline
// is at or before ts_ms expire, at most `limit` of them; the answer is the next deadline (0 none).
struct replicated_sweep {
  std::int64_t ts_ms = 0;
  std::size_t limit = 1000;
};
// The partition's whole state, for a raft snapshot, and its replacement from one.
struct partition_dump_request {};
struct partition_dump {
  std::uint64_t seq = 0;
  std::vector<scan_item> items;
};

}  // namespace kv

// Node-to-node links will need a wire format of their own; these types never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_all_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::scan_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::stats_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::partition_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::scan_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::get_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::delete_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::operate_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::expiry_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::keyed_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::put_all_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::list_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::partitions_operation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::attach_log)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::replicated_sweep)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::partition_dump_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::partition_dump)
