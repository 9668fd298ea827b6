// The commands a replicated cluster puts in its raft log, and their wire encoding. Every write
// of store_api becomes one command; the leader stamps `ts_ms` into it when it proposes it, so
// that applying it reads no clock and every member decides it identically (TTL deadlines,
// expiry on write, the events' ts_ms). `origin` and `request_id` identify the request so that a
// retried proposal is applied at most once. No framework headers: unit-testable on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/store_api.hpp"
#include "core/typed_operation.hpp"

namespace kv::cluster {

enum class command_kind : std::uint8_t {
  put = 1,
  erase = 2,
  operate = 3,
  expiry = 4,
  put_all = 5,
  sweep = 6,  // the leader's decision that keys whose deadline is at or before ts_ms expire
};

struct command {
  command_kind kind = command_kind::put;
  std::uint32_t origin = 0;  // the member whose client waits for the outcome
  std::uint64_t request_id = 0;
  std::int64_t ts_ms = 0;  // stamped by the leader
  std::string key;
  shared_bytes value;
  value_type type = value_type::bytes;
  std::optional<std::uint64_t> expected_version;
  std::uint32_t ttl_seconds = 0;               // put, put_all
  std::optional<std::uint32_t> expiry_ttl;     // expiry: nullopt = persist
  typed_operation op;                          // operate
  std::uint64_t max_value_bytes = UINT64_MAX;  // operate
  key_value_list pairs;                        // put_all
};

// Where ts_ms sits in an encoded command, so the leader stamps it without decoding.
inline constexpr std::size_t ts_offset = 1 + 4 + 8;

std::string encode(const command& c);
// Throws std::runtime_error on malformed input.
command decode(std::string_view bytes);
// Overwrites the ts_ms of an encoded command.
void stamp(std::string& encoded, std::int64_t ts_ms);

// A log entry: several encoded commands, each length-prefixed.
std::string frame(const std::vector<std::string>& commands);
std::vector<std::string_view> unframe(std::string_view entry);  // throws std::runtime_error

}  // namespace kv::cluster
