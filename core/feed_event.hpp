// One change-feed event (contract section 3): what a partition applied, and the event JSON that
// every transport sends. The JSON is built once per event and then shared, never copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/partition_store.hpp"

namespace kv {

// expire: a key removed because its deadline passed (contract section 8).
enum class change_op { put, del, expire };

// A write or delete as its partition applied it, before the node gives it a revision.
struct applied_change {
  change_op op = change_op::put;
  std::string key;
  shared_bytes value;         // null for a delete; a typed value's stored text
  std::uint64_t version = 0;  // the new version; for a delete, the version the key had
  std::size_t partition = 0;
  std::uint64_t seq = 0;   // 1, 2, 3, ... per partition, in apply order
  std::int64_t ts_ms = 0;  // Unix milliseconds when the partition applied it
  value_type type = value_type::bytes;
  std::int64_t expires_at_ms = 0;  // a put's deadline, 0 = none; logged, not in the event JSON
};

struct feed_event {
  std::string key;  // also inside json; kept apart for prefix matching
  std::uint64_t rev = 0;
  std::string json;

  // What holding the event costs, for the history's byte bound.
  std::size_t bytes() const { return key.size() + json.size(); }
};

using feed_event_ptr = std::shared_ptr<const feed_event>;

// {"op":..,"key":..,"value":BASE64,"version":..,"partition":..,"seq":..,"rev":..,"ts_ms":..},
// with "value" only on a put, and after it "type":T on a put of a typed value. op is "put",
// "delete" or "expire".
feed_event_ptr make_feed_event(const applied_change& change, std::uint64_t rev);

}  // namespace kv
