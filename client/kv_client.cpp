// The kvnode HTTP client on cpp-httplib: requests, reply checking, and the translation of
// transport failures and error replies into unreachable_error and server_error.
#include "client/kv_client.hpp"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>

namespace kv::client {
namespace {

std::unique_ptr<httplib::ClientImpl> make_http_client(const endpoint& node,
                                                      std::chrono::milliseconds timeout) {
  std::unique_ptr<httplib::ClientImpl> http;
  if (node.scheme == "https") {
    http = std::make_unique<httplib::SSLClient>(node.host, node.port);
  } else {
    http = std::make_unique<httplib::ClientImpl>(node.host, node.port);
  }
  http->set_connection_timeout(timeout);
  http->set_read_timeout(timeout);
  http->set_write_timeout(timeout);
  // One connection for all the pages of a listing.
  http->set_keep_alive(true);
  // Targets arrive escaped already; httplib must not escape them a second time.
  http->set_url_encode(false);
  return http;
}

// The errno of one connect() to `address`, or 0 when it connects.
int connect_errno(const addrinfo& address) {
  const int fd =
      ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC, address.ai_protocol);
  if (fd < 0) return errno;
  // httplib has already waited out its own time-out; this retry only needs the quick answers.
  const timeval limit{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  const int error = ::connect(fd, address.ai_addr, address.ai_addrlen) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

// httplib reports every failed connect() alike; redoing the resolution and the connect
// recovers the system's own words ("Connection refused", "Name or service not known").
std::string connect_failure_reason(const endpoint& node) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const int status =
      ::getaddrinfo(node.host.c_str(), std::to_string(node.port).c_str(), &hints, &addresses);
  if (status != 0) return "cannot resolve host " + node.host + ": " + ::gai_strerror(status);
  // httplib tried the addresses in this order too; the first one's failure stands for all.
  int error = 0;
  for (const addrinfo* address = addresses; address && error == 0; address = address->ai_next) {
    error = connect_errno(*address);
  }
  ::freeaddrinfo(addresses);
  return error != 0 ? std::strerror(error) : "connection failed";
}

[[noreturn]] void throw_unreachable(httplib::Error error, const endpoint& node) {
  switch (error) {
    case httplib::Error::Connection:
      throw unreachable_error(connect_failure_reason(node));
    case httplib::Error::ConnectionTimeout:
      throw unreachable_error("connection timed out");
    case httplib::Error::Read:
      throw unreachable_error("no reply (the connection closed or the read timed out)");
    case httplib::Error::Write:
      throw unreachable_error("could not send the request (the connection closed or timed out)");
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
      throw unreachable_error("TLS failed (" + httplib::to_string(error) + ")");
    default:
      throw unreachable_error("request failed (" + httplib::to_string(error) + ")");
  }
}

std::optional<std::string> string_field(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  const auto field = object.find(name);
  if (field == object.end() || !field->is_string()) return std::nullopt;
  return field->get<std::string>();
}

[[noreturn]] void throw_server_error(const httplib::Response& reply) {
  const auto body = nlohmann::json::parse(reply.body, nullptr, false);
  if (auto message = string_field(body, "message")) {
    throw server_error(reply.status, string_field(body, "error").value_or(""), *message);
  }
  // Not a kvnode error body: probably something else listens at the URL.
  throw server_error(
      reply.status, "",
      "HTTP status " + std::to_string(reply.status) + " without a kvnode error body");
}

// The reply of a request that must answer 200.
const httplib::Response& ok_reply(const httplib::Result& result, const endpoint& node) {
  if (!result) throw_unreachable(result.error(), node);
  if (result->status != 200) throw_server_error(*result);
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

// A 404 from the key route, as opposed to one from a URL that is not a kvnode API.
bool is_missing_key_reply(const httplib::Response& reply, std::string_view key) {
  if (reply.status != 404) return false;
  const auto body = nlohmann::json::parse(reply.body, nullptr, false);
  return string_field(body, "error") == "not_found" &&
         string_field(body, "message") == "no key `" + std::string(key) + "` found";
}

std::string with_if_version(std::string target, std::optional<std::uint64_t> if_version) {
  if (if_version) target += "?if_version=" + std::to_string(*if_version);
  return target;
}

}  // namespace

kv_client::kv_client(const endpoint& node, std::chrono::milliseconds timeout)
    : node_(node), http_(make_http_client(node, timeout)) {}

kv_client::~kv_client() = default;

std::optional<versioned_value> kv_client::get(std::string_view key) {
  const auto result = http_->Get(node_.base_path + key_target(key));
  if (result && is_missing_key_reply(*result, key)) return std::nullopt;
  const auto& reply = ok_reply(result, node_);
  return versioned_value{reply.body, version_header(reply)};
}

put_result kv_client::put(std::string_view key, const std::string& value,
                          std::optional<std::uint64_t> if_version) {
  const auto result = http_->Put(with_if_version(node_.base_path + key_target(key), if_version),
                                 value, "application/octet-stream");
  return read_json_reply(ok_reply(result, node_), [](const nlohmann::json& body) {
    return put_result{body.at("key").get<std::string>(), body.at("version").get<std::uint64_t>(),
                      body.at("created").get<bool>()};
  });
}

erase_result kv_client::erase(std::string_view key, std::optional<std::uint64_t> if_version) {
  const auto result = http_->Delete(with_if_version(node_.base_path + key_target(key), if_version));
  return read_json_reply(ok_reply(result, node_), [](const nlohmann::json& body) {
    return erase_result{body.at("key").get<std::string>(), body.at("deleted").get<bool>()};
  });
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
