// What keeps a web page the local user opens from using the node: the Host header must name
// the node (against DNS rebinding), and writes carrying an Origin must come from an allowed
// origin (against cross-site requests that need no preflight), as etcd and Consul do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transports/http/http_error.hpp"
#include "transports/http/request.hpp"

namespace kv::http {

struct browser_policy {
  // Host header values (without port) the node answers to; empty: any. "*" in the list: any.
  std::vector<std::string> allowed_hosts;
  // Origins ("https://app.example.com") whose pages may write and read across origins; "*":
  // any origin.
  std::vector<std::string> cors_origins;
};

// The default allowed hosts for a node listening on `listen_host`: a loopback listener answers
// only to loopback names and its own address, which is what DNS rebinding attacks; a node
// listening on another address is reached by names it cannot know, so it answers to any.
std::vector<std::string> default_allowed_hosts(const std::string& listen_host);

class browser_guard {
 public:
  explicit browser_guard(browser_policy policy) : policy_(std::move(policy)) {}

  // The refusal for this request, if any.
  std::optional<http_error> check(const request& req) const;
  // The origin to name in Access-Control-Allow-Origin, when the request has an allowed one.
  std::optional<std::string_view> allowed_origin(const request& req) const;

 private:
  bool host_allowed(std::string_view host) const;
  bool origin_allowed(std::string_view origin) const;

  browser_policy policy_;
};

}  // namespace kv::http
