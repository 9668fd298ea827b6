// One change-feed event (contract section 3): what a partition applied, and the event JSON that
// every transport sends. The JSON is built once per event and then shared, never copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

// What a consumer that stores events by column (the PostgreSQL change log) needs beside the
// JSON: the applied change's numbers, and the deadline, which the JSON does not carry. The value
// stays only in the JSON (base64), so that holding an event pins no second copy of it.
struct change_facts {
  change_op op = change_op::put;
  value_type type = value_type::bytes;
  std::uint64_t version = 0;
  std::size_t partition = 0;
  std::uint64_t seq = 0;
  std::int64_t ts_ms = 0;
  std::int64_t expires_at_ms = 0;  // a put's deadline, 0 = none
};

struct feed_event {
  std::string key;  // also inside json; kept apart for prefix matching
  std::uint64_t rev = 0;
  std::string json;
  change_facts facts;

  // What holding the event costs, for the history's byte bound.
  std::size_t bytes() const { return key.size() + json.size(); }
};

using feed_event_ptr = std::shared_ptr<const feed_event>;

// {"op":..,"key":..,"value":BASE64,"version":..,"partition":..,"seq":..,"rev":..,"ts_ms":..},
// with "value" only on a put, and after it "type":T on a put of a typed value. op is "put",
// "delete" or "expire". Takes the change by value: its key moves into the event.
feed_event_ptr make_feed_event(applied_change change, std::uint64_t rev);

// The base64 text of a put's "value" field in an event JSON made by make_feed_event, without
// parsing the JSON; empty when there is none (a delete or an expiry).
std::string_view event_value_base64(const feed_event& event);

}  // namespace kv
