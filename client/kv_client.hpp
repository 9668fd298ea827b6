// A small blocking HTTP client for the kvnode API (contract section 2), used by kvctl: one call
// per operation, raw bytes in and out, and failures sorted into the cases a user acts on.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "client/request_paths.hpp"

namespace httplib {
class ClientImpl;
}

namespace kv::client {

// No answer from the node: connection refused, unknown host, time-out, connection cut.
// what() is the reason, without the URL.
class unreachable_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The node answered with an error status; what() is the message from its JSON error body.
class server_error : public std::runtime_error {
 public:
  server_error(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  // The "error" field (such as "conflict"); "" when the body was not a kvnode error.
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

struct versioned_value {
  std::string value;
  std::uint64_t version = 0;
  std::string type = "bytes";      // X-Kv-Type
  std::int64_t expires_at_ms = 0;  // X-Kv-Expires-At; 0 when the key has no expiry
};

struct put_result {
  std::string key;
  std::uint64_t version = 0;
  bool created = false;
};

struct erase_result {
  std::string key;
  bool deleted = false;  // false when there was no such key
};

struct key_page {
  std::vector<std::string> keys;
  std::optional<std::string> next;  // the cursor for the following page; absent on the last
};

class kv_client {
 public:
  // `timeout` bounds the connection set-up and every read and write.
  kv_client(const endpoint& node, std::chrono::milliseconds timeout);
  ~kv_client();
  kv_client(const kv_client&) = delete;
  kv_client& operator=(const kv_client&) = delete;

  // The value and its version, or nothing when the key does not exist.
  std::optional<versioned_value> get(std::string_view key);
  // `if_version` makes the write conditional (0: only if absent); a mismatch throws
  // server_error with code "conflict". A `type` other than "" writes a typed value; a
  // `ttl_seconds` makes the key expire that long after the write.
  put_result put(std::string_view key, const std::string& value,
                 std::optional<std::uint64_t> if_version = std::nullopt, std::string_view type = "",
                 std::optional<std::uint32_t> ttl_seconds = {});
  // POST ?op=OP with `body`: the node's JSON reply {"key","version","type","value"} as text.
  // `type` ("" for none) is the type incr gives a missing key.
  std::string operate(std::string_view key, std::string_view op, const std::string& body,
                      std::optional<std::uint64_t> if_version, std::string_view type = "");
  // GET ?field=F of a hash: the field's value, or nothing when the key does not exist (a
  // missing field throws server_error, code "not_found").
  std::optional<std::string> get_field(std::string_view key, std::string_view field);
  // GET ?member=M of a set: whether M is a member, or nothing when the key does not exist.
  std::optional<bool> is_member(std::string_view key, std::string_view member);
  erase_result erase(std::string_view key, std::optional<std::uint64_t> if_version = std::nullopt);
  // One page of keys in bytewise order.
  key_page list(const list_query& query);
  // Every key with `prefix` and `suffix`, following the `next` cursor page by page.
  std::vector<std::string> search(std::string_view prefix, std::string_view suffix);
  // Returns when the node answers GET /v1/ping with 200.
  void ping();
  // The node's GET /v1/info document, as JSON text.
  std::string info();

 private:
  endpoint node_;
  std::unique_ptr<httplib::ClientImpl> http_;
};

}  // namespace kv::client
