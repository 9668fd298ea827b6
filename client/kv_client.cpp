// The kvnode HTTP client on cpp-httplib: requests, reply checking, and the translation of
// transport failures and error replies into unreachable_error and server_error.
#include "client/kv_client.hpp"

#include <httplib.h>

#include <charconv>
#include <iterator>
#include <nlohmann/json.hpp>

#include "client/http_transport.hpp"

namespace kv::client {
namespace {

// The reply of a request that must answer 200.
const httplib::Response& ok_reply(const httplib::Result& result, const endpoint& node) {
  if (!result) throw_unreachable(result.error(), node);
  if (result->status != 200) throw_server_error(result->status, result->body);
  return *result;
}

// Reads a 200 reply's JSON body with `read`; a body of another shape is a protocol error.
template <class Read>
auto read_json_reply(const httplib::Response& reply, Read read) {
  try {
    return read(nlohmann::json::parse(reply.body));
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(std::string("unexpected reply from the server: ") + error.what());
  }
}

std::uint64_t version_header(const httplib::Response& reply) {
  const std::string text = reply.get_header_value("X-Kv-Version");
  std::uint64_t version = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, version);
  if (text.empty() || error != std::errc{} || stop != end) {
    throw std::runtime_error("unexpected reply from the server: no valid X-Kv-Version header");
  }
  return version;
}

// 0 when the key has no expiry.
std::int64_t expires_at_header(const httplib::Response& reply) {
  const std::string text = reply.get_header_value("X-Kv-Expires-At");
  if (text.empty()) return 0;
  std::int64_t deadline = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, deadline);
  if (error != std::errc{} || stop != end || deadline <= 0) {
    throw std::runtime_error("unexpected reply from the server: an invalid X-Kv-Expires-At header");
  }
  return deadline;
}

// A 404 from the key route, as opposed to one from a URL that is not a kvnode API.
bool is_missing_key_reply(const httplib::Response& reply, std::string_view key) {
  if (reply.status != 404) return false;
  const auto body = nlohmann::json::parse(reply.body, nullptr, false);
  return string_field(body, "error") == "not_found" &&
         string_field(body, "message") == "no key `" + std::string(key) + "` found";
}

std::optional<std::string> if_version_text(std::optional<std::uint64_t> if_version) {
  if (!if_version) return std::nullopt;
  return std::to_string(*if_version);
}

// "" means no ?type= at all.
std::optional<std::string> type_text(std::string_view type) {
  if (type.empty()) return std::nullopt;
  return std::string(type);
}

}  // namespace

kv_client::kv_client(const endpoint& node, std::chrono::milliseconds timeout)
    : node_(node), http_(make_http_client(node, timeout)) {}

kv_client::~kv_client() = default;

std::optional<versioned_value> kv_client::get(std::string_view key) {
  const auto result = http_->Get(node_.base_path + key_target(key));
  if (result && is_missing_key_reply(*result, key)) return std::nullopt;
  const auto& reply = ok_reply(result, node_);
  // A node from before typed values sends no X-Kv-Type: everything there is bytes.
  std::string type = reply.get_header_value("X-Kv-Type");
  return versioned_value{reply.body, version_header(reply), type.empty() ? "bytes" : type,
                         expires_at_header(reply)};
}

put_result kv_client::put(std::string_view key, const std::string& value,
                          std::optional<std::uint64_t> if_version, std::string_view type,
                          std::optional<std::uint32_t> ttl_seconds) {
  std::optional<std::string> ttl;
  if (ttl_seconds) ttl = std::to_string(*ttl_seconds);
  const auto result =
      http_->Put(node_.base_path + key_target(key, {{"if_version", if_version_text(if_version)},
                                                    {"type", type_text(type)},
                                                    {"ttl", ttl}}),
                 value, "application/octet-stream");
  return read_json_reply(ok_reply(result, node_), [](const nlohmann::json& body) {
    return put_result{body.at("key").get<std::string>(), body.at("version").get<std::uint64_t>(),
                      body.at("created").get<bool>()};
  });
}

erase_result kv_client::erase(std::string_view key, std::optional<std::uint64_t> if_version) {
  const auto result = http_->Delete(node_.base_path +
                                    key_target(key, {{"if_version", if_version_text(if_version)}}));
  return read_json_reply(ok_reply(result, node_), [](const nlohmann::json& body) {
    return erase_result{body.at("key").get<std::string>(), body.at("deleted").get<bool>()};
  });
}

std::string kv_client::operate(std::string_view key, std::string_view op, const std::string& body,
                               std::optional<std::uint64_t> if_version, std::string_view type) {
  const auto result =
      http_->Post(node_.base_path + key_target(key, {{"op", std::string(op)},
                                                     {"if_version", if_version_text(if_version)},
                                                     {"type", type_text(type)}}),
                  body, "application/json");
  return ok_reply(result, node_).body;
}

std::optional<std::string> kv_client::get_field(std::string_view key, std::string_view field) {
  const auto result =
      http_->Get(node_.base_path + key_target(key, {{"field", std::string(field)}}));
  if (result && is_missing_key_reply(*result, key)) return std::nullopt;
  return ok_reply(result, node_).body;
}

std::optional<bool> kv_client::is_member(std::string_view key, std::string_view member) {
  const auto result =
      http_->Get(node_.base_path + key_target(key, {{"member", std::string(member)}}));
  if (result && is_missing_key_reply(*result, key)) return std::nullopt;
  return read_json_reply(ok_reply(result, node_),
                         [](const nlohmann::json& body) { return body.at("member").get<bool>(); });
}

key_page kv_client::list(const list_query& query) {
  const auto result = http_->Get(node_.base_path + list_target(query));
  return read_json_reply(ok_reply(result, node_), [](const nlohmann::json& body) {
    key_page page{body.at("keys").get<std::vector<std::string>>(), std::nullopt};
    const auto& next = body.at("next");
    if (!next.is_null()) page.next = next.get<std::string>();
    return page;
  });
}

std::vector<std::string> kv_client::search(std::string_view prefix, std::string_view suffix) {
  list_query query{std::string(prefix), std::string(suffix), std::nullopt};
  std::vector<std::string> keys;
  for (;;) {
    key_page page = list(query);
    keys.insert(keys.end(), std::make_move_iterator(page.keys.begin()),
                std::make_move_iterator(page.keys.end()));
    if (!page.next) return keys;
    query.after = std::move(page.next);
  }
}

void kv_client::ping() {
  ok_reply(http_->Get(node_.base_path + "/v1/ping"), node_);
}

std::string kv_client::info() {
  return ok_reply(http_->Get(node_.base_path + "/v1/info"), node_).body;
}

}  // namespace kv::client
