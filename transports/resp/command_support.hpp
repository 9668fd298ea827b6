// What the command handlers share: Redis's stock replies, the checks of keys, values and
// tokens that answer an error themselves, and the gathering of several store answers.
#pragma once

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_rules.hpp"
#include "core/key.hpp"
#include "core/value_type.hpp"
#include "transports/resp/commands.hpp"
#include "transports/resp/connection.hpp"
#include "transports/resp/protocol.hpp"

namespace kv::resp {

inline const std::string ok_reply = "+OK\r\n";
inline const std::string null_reply = "$-1\r\n";
inline const std::string wrong_type_reply =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
inline const std::string unavailable_reply =
    "-ERR unavailable: the store did not answer in time (a partition is down or overloaded)\r\n";
inline const std::string not_integer_reply = "-ERR value is not an integer or out of range\r\n";
inline const std::string not_float_reply = "-ERR value is not a valid float\r\n";
inline const std::string syntax_reply = "-ERR syntax error\r\n";

inline std::string error_reply(std::string_view message) {
  std::string out;
  append_error(out, message);
  return out;
}

inline std::string integer_reply(std::int64_t value) {
  std::string out;
  append_integer(out, value);
  return out;
}

inline std::string bulk_reply(std::string_view bytes) {
  std::string out;
  append_bulk(out, bytes);
  return out;
}

inline std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

inline bool is_string_type(value_type type) {
  return type != value_type::set && type != value_type::hash;
}

inline std::string_view redis_type(value_type type) {
  switch (type) {
    case value_type::set:
      return "set";
    case value_type::hash:
      return "hash";
    default:
      return "string";
  }
}

inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A key argument the store can take and the connection's token may use; otherwise the error
// is the command's reply and the result false.
inline bool check_key(command_call& call, std::string_view key, bool for_write) {
  const auto& options = call.conn.state().options;
  if (const auto problem = key_problem(key, options.max_key_bytes)) {
    call.conn.reply_now(error_reply("ERR invalid key: " + *problem));
    return false;
  }
  if (const auth::token_grant* grant = call.conn.grant()) {
    if (for_write ? !grant->may_write(key) : !grant->may_read(key)) {
      call.conn.reply_now(error_reply("NOPERM token '" + grant->name + "' may not " +
                                      (for_write ? "write" : "read") + " key '" + std::string(key) +
                                      "'"));
      return false;
    }
  }
  return true;
}

inline bool check_keys(command_call& call, std::size_t first, std::size_t step, bool for_write) {
  for (std::size_t i = first; i < call.args.size(); i += step) {
    if (!check_key(call, call.args[i], for_write)) return false;
  }
  return true;
}

inline bool check_value(command_call& call, std::string_view value) {
  const std::size_t limit = call.conn.state().options.max_value_bytes;
  if (value.size() <= limit) return true;
  call.conn.reply_now(error_reply("ERR value is larger than limits.max_value_bytes (" +
                                  std::to_string(limit) + " bytes)"));
  return false;
}

// Set members, hash fields and hash values are UTF-8 strings in kvactor (contract section 7).
inline bool check_text(command_call& call, std::string_view text, std::string_view what) {
  if (is_valid_utf8(text)) return true;
  call.conn.reply_now(
      error_reply("ERR " + std::string(what) + " must be UTF-8 text in kvactor's typed values"));
  return false;
}

// The whole key space: for commands that count or list keys without naming them.
inline bool check_everything(command_call& call, std::string_view what) {
  const auth::token_grant* grant = call.conn.grant();
  if (grant == nullptr || grant->may_read_everything()) return true;
  call.conn.reply_now(error_reply("NOPERM token '" + grant->name + "' may not " +
                                  std::string(what) + ": that needs read access to every key"));
  return false;
}

// Counts the answers of several store calls made for one reply; the last builds it.
template <class Result>
struct gathered {
  explicit gathered(reply_ref r, std::size_t count) : reply(std::move(r)), results(count) {
    pending.store(count, std::memory_order_relaxed);
  }
  reply_ref reply;
  std::vector<std::optional<Result>> results;
  std::atomic<std::size_t> pending;

  // On the thread of the last answer, with every result in place.
  template <class Finish>
  void arrive(std::size_t index, std::optional<Result> result, Finish finish) {
    results[index] = std::move(result);
    if (pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    for (const auto& one : results) {
      if (!one) return reply.send(unavailable_reply);
    }
    finish(*this);
  }
};

}  // namespace kv::resp
