// An HTTP client for the kvnode API plus the encodings (percent, base64) and gtest assertions
// that the integration tests share, so each test reads as request -> exact expected reply.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvtest {

// ---- encodings -------------------------------------------------------------------------------

// Percent-encodes every byte except the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view bytes);

// "/v1/keys/" + url_encode(key): the key as one fully escaped path segment.
std::string key_path(std::string_view key);

// "?name=value&..." with names and values url_encode()d; empty when `params` is empty.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// The 256 byte values 0..255 in order.
std::string all_byte_values();

// `prefix` followed by the decimal `number` ("k" and 7 give "k7").
std::string numbered(std::string_view prefix, std::uint64_t number);

// ---- replies ---------------------------------------------------------------------------------

struct Reply {
  int status = -1;    // -1 when no response arrived
  std::string error;  // the transport error then
  httplib::Headers headers;
  std::string body;

  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
  // The first value of the header, or "" when absent (names are case-insensitive).
  std::string header(const std::string& name) const;
  // Status and the start of the body, for failure messages.
  std::string describe() const;
  // The body parsed as JSON (a discarded value when it is not JSON).
  nlohmann::json json() const;
};

// The media type of a Content-Type value, lowercased, without parameters.
std::string media_type(const std::string& content_type);

// ---- client ----------------------------------------------------------------------------------

class KvClient {
 public:
  KvClient(std::string host, std::uint16_t port, bool keep_alive = true);

  // Sends `target` (path plus query) exactly as given: no encoding is added.
  Reply request(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "", const httplib::Headers& headers = {});
  Reply get(const std::string& target) { return request("GET", target); }
  Reply head(const std::string& target) { return request("HEAD", target); }
  Reply del(const std::string& target) { return request("DELETE", target); }
  Reply put(const std::string& target, const std::string& body) {
    return request("PUT", target, body, "application/octet-stream");
  }
  Reply post_json(const std::string& target, const std::string& body) {
    return request("POST", target, body, "application/json");
  }

  // The key routes, with the key fully percent-encoded.
  Reply put_key(std::string_view key, const std::string& value,
                std::optional<std::uint64_t> if_version = std::nullopt);
  Reply get_key(std::string_view key) { return get(key_path(key)); }
  Reply head_key(std::string_view key) { return head(key_path(key)); }
  Reply delete_key(std::string_view key, std::optional<std::uint64_t> if_version = std::nullopt);
  // POST /v1/keys/{key} with {"value": base64(value)}.
  Reply post_key_base64(std::string_view key, const std::string& value);
  // POST /v1/keys with a JSON object.
  Reply post_batch(const nlohmann::json& object) { return post_json("/v1/keys", object.dump()); }

  // Writes every key (string values) through POST /v1/keys in batches of `batch_size`.
  ::testing::AssertionResult put_all(const std::map<std::string, std::string>& entries,
                                     std::size_t batch_size = 1000);

  // GET /v1/keys with the given query; the JSON body, or an error if the reply is not 200 JSON.
  ::testing::AssertionResult list(const std::vector<std::pair<std::string, std::string>>& params,
                                  nlohmann::json* page);

  httplib::Client& http() { return client_; }

 private:
  httplib::Client client_;
};

// ---- assertions (use with EXPECT_TRUE / ASSERT_TRUE) -----------------------------------------

// `status`, Content-Type application/json, and a body equal to `expected` as JSON.
::testing::AssertionResult IsJsonReply(const Reply& reply, int status,
                                       const nlohmann::json& expected);

// An error reply: `status`, Content-Type application/json and a body of exactly
// {"error": code, "message": non-empty string}; with `message`, the text must match exactly.
::testing::AssertionResult IsErrorReply(const Reply& reply, int status, const std::string& code,
                                        const std::optional<std::string>& message = std::nullopt);

// 404 not_found with the message ``no key `KEY` found``.
::testing::AssertionResult IsMissingKeyReply(const Reply& reply, std::string_view key);

// GET of a stored key: 200, application/octet-stream, the exact bytes and X-Kv-Version.
::testing::AssertionResult IsValueReply(const Reply& reply, const std::string& value,
                                        std::uint64_t version);

// GET of a typed value (contract section 7): 200, X-Kv-Type `type`, its media type, the exact
// body and X-Kv-Version.
::testing::AssertionResult IsTypedValueReply(const Reply& reply, const std::string& type,
                                             const std::string& body, std::uint64_t version);
// The reply to a PUT or POST of one key: 200 {"key":K,"version":N,"created":B}.
::testing::AssertionResult IsWriteReply(const Reply& reply, std::string_view key,
                                        std::uint64_t version, bool created);

// 405 method_not_allowed with an Allow header listing every method in `allowed` and not
// `method_used`.
::testing::AssertionResult IsMethodNotAllowedReply(const Reply& reply,
                                                   const std::vector<std::string>& allowed,
                                                   const std::string& method_used);

// ---- raw HTTP --------------------------------------------------------------------------------

struct RawResponse {
  std::string error;  // non-empty when the exchange failed
  int status = -1;
  std::string head;  // status line and headers
  std::string body;  // every byte after the blank line that arrived
};

// One client TCP connection for hand-written HTTP exchanges (keep-alive checks, raw bytes).
class RawConnection {
 public:
  RawConnection(const std::string& host, std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  // Reads one reply: the headers, then Content-Length bytes of body; for a HEAD request,
  // whatever arrives in a short quiet period after the headers. Bytes read past the reply are
  // kept for the next call.
  RawResponse read_response(bool is_head);
  // True when the server has closed its side (EOF within `wait_ms`).
  bool closed_by_peer(int wait_ms);

 private:
  int fd_ = -1;
  std::string pending_;
};

// Sends `request` (complete bytes, should say "Connection: close") on a new connection and
// reads one reply.
RawResponse raw_http(const std::string& host, std::uint16_t port, const std::string& request,
                     bool is_head);

}  // namespace kvtest
