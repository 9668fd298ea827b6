// The payload of one write-ahead log record: a put or a delete of one key, with the version it
// left and the partition's seq, so that replay restores both the data and the change feed's seq.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kv::storage {

enum class wal_op : std::uint8_t { put = 1, erase = 2 };

// What the partition logs, borrowed from its message: encoding copies nothing it need not.
struct wal_record_view {
  wal_op op = wal_op::put;
  std::uint64_t seq = 0;      // the partition's change seq, 1, 2, 3, ...
  std::uint64_t version = 0;  // put: the new version; erase: the version the key had
  std::string_view key;
  std::string_view value;  // put only
};

// A decoded record, owning its bytes so that replay can move them into the store.
struct wal_record {
  wal_op op = wal_op::put;
  std::uint64_t seq = 0;
  std::uint64_t version = 0;
  std::string key;
  std::string value;
};

// op (1 byte), varint seq, varint version, length-prefixed key, and for a put the
// length-prefixed value; appended to `out`.
void encode_wal_record(const wal_record_view& record, std::string& out);

// nullopt for anything encode_wal_record cannot have produced: an unknown op, a truncated or
// overlong field, an empty key, a value on a delete, bytes left over.
std::optional<wal_record> decode_wal_record(std::string_view payload);

}  // namespace kv::storage
