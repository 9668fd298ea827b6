// Route matching: exact paths, plus the two prefixes under which the rest of the path is a key
// (keys may contain '/', which a segment-based router cannot express).
#include "transports/http/route_table.hpp"

#include <array>
#include <utility>

namespace kv::http {
namespace {

constexpr unsigned bit(method m) {
  return 1u << static_cast<unsigned>(m);
}
constexpr unsigned get_head = bit(method::get) | bit(method::head);
// Routes that answer a wrong method in their own service's words.
constexpr unsigned any_method = (1u << method_count) - 1;

struct route_spec {
  enum route route;
  std::string_view path;  // exact path, or the prefix before {key}
  std::string_view path_template;
  bool takes_key;
  unsigned methods;
};

constexpr std::array<route_spec, route_count> routes = {{
    {route::key, "/v1/keys/", "/v1/keys/{key}", true,
     get_head | bit(method::put) | bit(method::post) | bit(method::del)},
    {route::keys, "/v1/keys", "/v1/keys", false, bit(method::get) | bit(method::post)},
    {route::watch, "/v1/watch", "/v1/watch", false, bit(method::get)},
    {route::ping, "/v1/ping", "/v1/ping", false, get_head},
    {route::readiness, "/v1/readiness", "/v1/readiness", false, get_head},
    {route::info, "/v1/info", "/v1/info", false, bit(method::get)},
    {route::metrics, "/metrics", "/metrics", false, bit(method::get)},
    {route::compat_get, "/get/", "/get/{key}", true, bit(method::get)},
    {route::compat_set, "/set", "/set", false, bit(method::post)},
    {route::compat_search, "/search", "/search", false, bit(method::get)},
    {route::compat_dump, "/", "/", false, bit(method::get)},
    {route::yuvraj9_kv, "/kv", "/kv", false, any_method},
    {route::isnastish, "/kvs/v1-0-0/", "/kvs/v1-0-0/...", true, any_method},
    {route::socketio, "/socket.io/", "/socket.io/", false,
     bit(method::get) | bit(method::post) | bit(method::options)},
    {route::cluster, "/v1/cluster", "/v1/cluster", false, bit(method::get)},
    {route::cluster_internal, "/v1/cluster/", "/v1/cluster/{call}", true,
     bit(method::get) | bit(method::post)},
}};

constexpr std::array<std::pair<method, std::string_view>, 5> method_names = {{
    {method::get, "GET"},
    {method::head, "HEAD"},
    {method::put, "PUT"},
    {method::post, "POST"},
    {method::del, "DELETE"},
}};

const route_spec& spec_of(enum route r) {
  return routes[static_cast<std::size_t>(r)];
}

}  // namespace

std::optional<route_match> match_route(std::string_view path) {
  for (const auto& spec : routes) {
    if (spec.takes_key ? path.starts_with(spec.path) : path == spec.path) {
      const auto key = spec.takes_key ? path.substr(spec.path.size()) : std::string_view{};
      return route_match{spec.route, spec.path_template, key};
    }
  }
  return std::nullopt;
}

std::string_view template_of(enum route r) {
  return spec_of(r).path_template;
}

bool allows(enum route r, method m) {
  return (spec_of(r).methods & bit(m)) != 0;
}

std::string allowed_methods(enum route r) {
  std::string allowed;
  for (const auto& [m, name] : method_names) {
    if (!allows(r, m)) continue;
    if (!allowed.empty()) allowed += ", ";
    allowed += name;
  }
  return allowed;
}

}  // namespace kv::http
