// Encoding and strict decoding of write-ahead log payloads. The log's CRC already caught
// damage; decoding still rejects anything malformed rather than replaying a guess.
#include "storage/wal_record.hpp"

#include "storage/coding.hpp"

namespace kv::storage {
namespace {

bool carries_value(wal_op op) {
  return op == wal_op::put;
}

}  // namespace

void encode_wal_record(const wal_record_view& record, std::string& out) {
  const bool expiring = record.op == wal_op::put && record.expires_at_ms != 0;
  const bool typed = record.op == wal_op::put && record.type != value_type::bytes;
  if (expiring || typed) {
    out.push_back(static_cast<char>(expiring ? wal_op::put_expiring : wal_op::put_typed));
    out.push_back(static_cast<char>(kTypedRecordFormat));
    out.push_back(static_cast<char>(record.type));
    if (expiring) put_varint(out, static_cast<std::uint64_t>(record.expires_at_ms));
  } else {
    out.push_back(static_cast<char>(record.op));
  }
  put_varint(out, record.seq);
  put_varint(out, record.version);
  put_length_prefixed(out, record.key);
  if (carries_value(record.op)) put_length_prefixed(out, record.value);
}

std::optional<wal_record> decode_wal_record(std::string_view payload) {
  byte_reader in(payload);
  const auto op = in.get_byte();
  if (!op || *op < static_cast<std::uint8_t>(wal_op::put) ||
      *op > static_cast<std::uint8_t>(wal_op::expire)) {
    return std::nullopt;
  }
  wal_record record;
  record.op = static_cast<wal_op>(*op);
  if (record.op == wal_op::put_typed || record.op == wal_op::put_expiring) {
    const bool expiring = record.op == wal_op::put_expiring;
    const auto format = in.get_byte();
    const auto type_byte = in.get_byte();
    if (format != kTypedRecordFormat || !type_byte) return std::nullopt;
    const auto type = type_from_byte(*type_byte);
    // A plain put of bytes has a record of its own; put_typed of bytes is never written.
    if (!type || (!expiring && *type == value_type::bytes)) return std::nullopt;
    if (expiring) {
      const auto deadline = in.get_varint();
      if (!deadline || *deadline == 0 || *deadline > INT64_MAX) return std::nullopt;
      record.expires_at_ms = static_cast<std::int64_t>(*deadline);
    }
    record.op = wal_op::put;
    record.type = *type;
  }
  const auto seq = in.get_varint();
  const auto version = in.get_varint();
  const auto key = in.get_length_prefixed();
  if (!seq || !version || !key || key->empty()) return std::nullopt;
  record.seq = *seq;
  record.version = *version;
  record.key.assign(*key);
  if (carries_value(record.op)) {
    const auto value = in.get_length_prefixed();
    if (!value) return std::nullopt;
    record.value.assign(*value);
  }
  if (!in.empty()) return std::nullopt;
  return record;
}

}  // namespace kv::storage
