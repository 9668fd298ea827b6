#include "cluster/command.hpp"

#include <cstring>
#include <stdexcept>

#include "cluster/wire.hpp"

namespace kv::cluster {
namespace {

using wire::put_bytes;
using wire::put_u32;
using wire::put_u64;
using wire::put_u8;

class reader : public wire::reader {
 public:
  explicit reader(std::string_view in) : wire::reader(in, "cluster command") {}
};

void put_optional(std::string& out, const std::optional<std::uint64_t>& v) {
  put_u8(out, v ? 1 : 0);
  put_u64(out, v.value_or(0));
}
std::optional<std::uint64_t> read_optional(reader& in) {
  const bool has = in.u8() != 0;
  const std::uint64_t v = in.u64();
  return has ? std::optional<std::uint64_t>(v) : std::nullopt;
}

}  // namespace

std::string encode(const command& c) {
  std::string out;
  out.reserve(64 + c.key.size() + c.value.size());
  put_u8(out, static_cast<std::uint8_t>(c.kind));
  put_u32(out, c.origin);
  put_u64(out, c.request_id);
  put_u64(out, static_cast<std::uint64_t>(c.ts_ms));
  switch (c.kind) {
    case command_kind::put:
      put_bytes(out, c.key);
      put_bytes(out, c.value.view());
      put_u8(out, static_cast<std::uint8_t>(c.type));
      put_optional(out, c.expected_version);
      put_u32(out, c.ttl_seconds);
      break;
    case command_kind::erase:
      put_bytes(out, c.key);
      put_optional(out, c.expected_version);
      break;
    case command_kind::operate:
      put_bytes(out, c.key);
      put_optional(out, c.expected_version);
      put_u64(out, c.max_value_bytes);
      put_u8(out, static_cast<std::uint8_t>(c.op.kind));
      put_u8(out, static_cast<std::uint8_t>(c.op.type));
      // Flags: bit 0 type_requested, bit 1 redis_rules (RESP's INCR and "nothing to write").
      put_u8(out,
             static_cast<std::uint8_t>((c.op.type_requested ? 1 : 0) | (c.op.redis_rules ? 2 : 0)));
      put_bytes(out, c.op.amount);
      put_u32(out, static_cast<std::uint32_t>(c.op.names.size()));
      for (const auto& name : c.op.names) put_bytes(out, name);
      put_u32(out, static_cast<std::uint32_t>(c.op.fields.size()));
      for (const auto& [field, value] : c.op.fields) {
        put_bytes(out, field);
        put_bytes(out, value);
      }
      break;
    case command_kind::expiry:
      put_bytes(out, c.key);
      put_optional(out, c.expected_version);
      put_optional(out, c.expiry_ttl ? std::optional<std::uint64_t>(*c.expiry_ttl) : std::nullopt);
      break;
    case command_kind::put_all:
      put_u32(out, c.ttl_seconds);
      put_u32(out, static_cast<std::uint32_t>(c.pairs.size()));
      for (const auto& entry : c.pairs) {
        put_bytes(out, entry.key);
        put_bytes(out, entry.value.view());
        put_u8(out, static_cast<std::uint8_t>(entry.type));
      }
      break;
    case command_kind::sweep:
      break;
  }
  return out;
}

command decode(std::string_view bytes) {
  reader in(bytes);
  command c;
  const auto kind = in.u8();
  if (kind < 1 || kind > 6) throw std::runtime_error("unknown cluster command kind");
  c.kind = static_cast<command_kind>(kind);
  c.origin = in.u32();
  c.request_id = in.u64();
  c.ts_ms = static_cast<std::int64_t>(in.u64());
  switch (c.kind) {
    case command_kind::put:
      c.key = std::string(in.bytes());
      c.value = shared_bytes::copy_of(in.bytes());
      c.type = static_cast<value_type>(in.u8());
      c.expected_version = read_optional(in);
      c.ttl_seconds = in.u32();
      break;
    case command_kind::erase:
      c.key = std::string(in.bytes());
      c.expected_version = read_optional(in);
      break;
    case command_kind::operate: {
      c.key = std::string(in.bytes());
      c.expected_version = read_optional(in);
      c.max_value_bytes = in.u64();
      c.op.kind = static_cast<operation_kind>(in.u8());
      c.op.type = static_cast<value_type>(in.u8());
      const std::uint8_t flags = in.u8();
      c.op.type_requested = (flags & 1) != 0;
      c.op.redis_rules = (flags & 2) != 0;
      c.op.amount = std::string(in.bytes());
      for (std::uint32_t n = in.u32(); n > 0; --n) c.op.names.emplace(in.bytes());
      for (std::uint32_t n = in.u32(); n > 0; --n) {
        std::string field(in.bytes());
        c.op.fields.emplace(std::move(field), std::string(in.bytes()));
      }
      break;
    }
    case command_kind::expiry: {
      c.key = std::string(in.bytes());
      c.expected_version = read_optional(in);
      const auto ttl = read_optional(in);
      if (ttl) c.expiry_ttl = static_cast<std::uint32_t>(*ttl);
      break;
    }
    case command_kind::put_all:
      c.ttl_seconds = in.u32();
      for (std::uint32_t n = in.u32(); n > 0; --n) {
        std::string key(in.bytes());
        auto value = shared_bytes::copy_of(in.bytes());
        c.pairs.emplace_back(std::move(key), std::move(value), static_cast<value_type>(in.u8()));
      }
      break;
    case command_kind::sweep:
      break;
  }
  if (!in.done()) throw std::runtime_error("trailing bytes after a cluster command");
  return c;
}

void stamp(std::string& encoded, std::int64_t ts_ms) {
  if (encoded.size() < ts_offset + 8) throw std::runtime_error("truncated cluster command");
  const auto v = static_cast<std::uint64_t>(ts_ms);
  for (int i = 0; i < 8; ++i) encoded[ts_offset + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string frame(const std::vector<std::string>& commands) {
  std::string out;
  std::size_t total = 4;
  for (const auto& c : commands) total += 4 + c.size();
  out.reserve(total);
  put_u32(out, static_cast<std::uint32_t>(commands.size()));
  for (const auto& c : commands) put_bytes(out, c);
  return out;
}

std::vector<std::string_view> unframe(std::string_view entry) {
  reader in(entry);
  std::vector<std::string_view> commands;
  for (std::uint32_t n = in.u32(); n > 0; --n) commands.push_back(in.bytes());
  // raft_uv pads an entry read back from disk to a multiple of 8 bytes with zeros.
  const std::string_view rest = in.rest();
  if (rest.size() >= 8 || rest.find_first_not_of('\0') != std::string_view::npos) {
    throw std::runtime_error("trailing bytes after a cluster entry");
  }
  return commands;
}

}  // namespace kv::cluster
