// The cpp-httplib plumbing shared by the kvnode clients: making a connection to a node, and
// turning transport errors into unreachable_error and error replies into server_error.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "client/kv_client.hpp"

namespace kv::client {

// A client for `node` whose connection set-up and every read and write wait at most
// `timeout`, keeping its connection between requests.
std::unique_ptr<httplib::ClientImpl> make_http_client(const endpoint& node,
                                                      std::chrono::milliseconds timeout);

[[noreturn]] void throw_unreachable(httplib::Error error, const endpoint& node);

// `status` and `body` of a reply that is not the success the request expects.
[[noreturn]] void throw_server_error(int status, const std::string& body);

// `object[name]` when `object` is an object and that field is a string.
std::optional<std::string> string_field(const nlohmann::json& object, const char* name);

}  // namespace kv::client
