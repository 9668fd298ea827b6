// The store as the transports see it: asynchronous calls that complete through a callback,
// with no framework type in sight. Implemented on top of the router actors.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/partition_store.hpp"
#include "core/routing_table.hpp"
#include "core/typed_operation.hpp"

namespace kv {

// Called exactly once, on an actor thread. An empty result means the store did not answer in
// time (a partition down or overloaded): the caller answers 503 and must assume nothing.
template <class T>
using completion = std::function<void(std::optional<T>)>;

struct list_page {
  std::vector<scan_item> items;
  std::optional<std::string> next;  // cursor for the following page, when there may be one
};

struct partition_info {
  std::size_t id = 0;
  key_range range;
  std::size_t keys = 0;
  std::size_t bytes = 0;
  std::size_t queue_depth = 0;  // messages waiting in its mailbox when it answered
};

// One key of a batch write; a typed value is already in its stored text.
struct batch_entry {
  batch_entry(std::string key_, shared_bytes value_, value_type type_ = value_type::bytes)
      : key(std::move(key_)), value(std::move(value_)), type(type_) {}
  std::string key;
  shared_bytes value;
  value_type type;
};
using key_value_list = std::vector<batch_entry>;

// The answer to an atomic operation: on ok, the new value and version; on conflict, `version`
// is the key's current one (0 = absent); otherwise `message` says why nothing was written.
struct operation_outcome {
  write_status status = write_status::ok;
  operation_status result = operation_status::ok;
  std::uint64_t version = 0;
  value_type type = value_type::bytes;
  shared_bytes value;
  std::string message;
  // sadd, hset: members or fields added; srem, hdel: removed (see operation_result).
  std::size_t changed = 0;
};

// The answer to setting or clearing a key's expiry (POST ?op=expire|persist): on ok, whether
// the key was there and, if so, its version and deadline (0 = none) after the change; on
// conflict, `version` is the key's current one (0 = absent).
struct expiry_outcome {
  write_status status = write_status::ok;
  bool found = false;
  std::uint64_t version = 0;
  std::int64_t expires_at_ms = 0;
  bool changed = false;  // the key was rewritten with the new deadline (persist: it had one)
};

class store_api {
 public:
  class backend;
  explicit store_api(std::shared_ptr<backend> backend) : backend_(std::move(backend)) {}

  // Cluster mode: reads (get, list) on the calling thread are linearizable unless set here,
  // for the request being handled (`?consistency=stale`): then they read the local copy.
  static void set_stale_reads(bool stale);
  // Whether this node is a member of a cluster.
  bool replicated() const;

  // A missing or expired key completes with a value that is null.
  void get(std::string key, completion<read_value> done) const;
  // `value` holds a typed value's stored text (core/typed_text.hpp). The key expires
  // `ttl_seconds` after the write; 0 (and the overload without it) clears any expiry it had.
  void put(std::string key, shared_bytes value, value_type type,
           std::optional<std::uint64_t> expected_version, completion<put_outcome> done) const;
  void put(std::string key, shared_bytes value, value_type type,
           std::optional<std::uint64_t> expected_version, std::uint32_t ttl_seconds,
           completion<put_outcome> done) const;
  // Sets the key's expiry to `ttl_seconds` from now, or with nullopt clears it; either keeps
  // the value and is a write (a new version and a put event), unless there is nothing to clear.
  void change_expiry(std::string key, std::optional<std::uint32_t> ttl_seconds,
                     std::optional<std::uint64_t> expected_version,
                     completion<expiry_outcome> done) const;
  // One atomic operation, applied by the key's partition; a result over max_value_bytes is
  // refused (too_large).
  void operate(std::string key, typed_operation op, std::optional<std::uint64_t> expected_version,
               std::size_t max_value_bytes, completion<operation_outcome> done) const;
  void erase(std::string key, std::optional<std::uint64_t> expected_version,
             completion<delete_outcome> done) const;
  // Unconditional writes of already validated pairs; completes with how many were written.
  // Every key expires `ttl_seconds` after the write (0: none).
  void put_all(key_value_list pairs, completion<std::size_t> done) const;
  void put_all(key_value_list pairs, std::uint32_t ttl_seconds, completion<std::size_t> done) const;
  // One page of keys in bytewise order across all partitions.
  void list(scan_query query, completion<list_page> done) const;
  void partitions(completion<std::vector<partition_info>> done) const;

  // Keyed calls collected and sent with one message per partition (for a pipeline of
  // requests), each partition applying its share in the order the calls were added. Every
  // completion still runs once, as for the single calls. A partition applies what one thread
  // sent it in the order sent, single calls and batches alike, so a batch submitted after a call
  // is applied after it. Used by one thread at a time.
  class batch {
   public:
    explicit batch(const store_api& store);
    ~batch();
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;

    void get(std::string key, completion<read_value> done);
    void put(std::string key, shared_bytes value, value_type type,
             std::optional<std::uint64_t> expected_version, std::uint32_t ttl_seconds,
             completion<put_outcome> done);
    void change_expiry(std::string key, std::optional<std::uint32_t> ttl_seconds,
                       std::optional<std::uint64_t> expected_version,
                       completion<expiry_outcome> done);
    void operate(std::string key, typed_operation op, std::optional<std::uint64_t> expected_version,
                 std::size_t max_value_bytes, completion<operation_outcome> done);
    void erase(std::string key, std::optional<std::uint64_t> expected_version,
               completion<delete_outcome> done);

    // Calls added and not yet submitted.
    std::size_t size() const;
    // Sends what was added: a partition with one call gets it as a single call. Empty after.
    void submit();

   private:
    struct state;
    std::unique_ptr<state> state_;
  };

 private:
  std::shared_ptr<backend> backend_;
};

}  // namespace kv
