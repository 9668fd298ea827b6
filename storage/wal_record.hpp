// The payload of one write-ahead log record: a put, delete or expiry of one key, with the version
// it left and the partition's seq, so that replay restores both the data and the change feed's seq.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/value_type.hpp"

namespace kv::storage {

// How a record starts. A put of bytes keeps the layout it had before typed values existed, so
// that logs of plain values read the same either way; a put of any other type is put_typed, and
// a put of a key with an expiry deadline, of any type, is put_expiring. expire is the removal
// of a key whose deadline passed.
enum class wal_op : std::uint8_t {
  put = 1,
  erase = 2,
  put_typed = 3,
  put_expiring = 4,
  expire = 5
};
// The layout version of put_typed and put_expiring records, right after the op byte.
constexpr std::uint8_t kTypedRecordFormat = 1;

// What the partition logs, borrowed from its message: encoding copies nothing it need not.
struct wal_record_view {
  wal_op op = wal_op::put;
  std::uint64_t seq = 0;      // the partition's change seq, 1, 2, 3, ...
  std::uint64_t version = 0;  // put: the new version; erase, expire: the version the key had
  std::string_view key;
  std::string_view value;  // put only
  value_type type = value_type::bytes;
  std::int64_t expires_at_ms = 0;  // put only: the key's deadline, 0 = none
};

// A decoded record, owning its bytes so that replay can move them into the store. A typed or
// expiring put decodes as op put with its type and deadline.
struct wal_record {
  wal_op op = wal_op::put;
  std::uint64_t seq = 0;
  std::uint64_t version = 0;
  std::string key;
  std::string value;
  value_type type = value_type::bytes;
  std::int64_t expires_at_ms = 0;
};

// op (1 byte), varint seq, varint version, length-prefixed key, and for a put the
// length-prefixed value; a put of a typed value instead starts with op put_typed, the format
// byte and the type byte, and a put with a deadline with op put_expiring, the format byte, the
// type byte and the varint deadline (docs/log-format.md). Appended to `out`.
void encode_wal_record(const wal_record_view& record, std::string& out);

// nullopt for anything encode_wal_record cannot have produced: an unknown op, format or type, a
// truncated or overlong field, an empty key, a value on a delete, bytes left over.
std::optional<wal_record> decode_wal_record(std::string_view payload);

}  // namespace kv::storage
