// The HTTP routes of contract section 2: which route a path names, its template (the metrics
// label) and which methods it takes. Pure data, so it is tested without a server.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kv::http {

// In the order of the route table in route_table.cpp, which indexes by this value.
enum class route {
  key,
  keys,
  watch,
  ping,
  readiness,
  info,
  metrics,
  compat_get,
  compat_set,
  compat_search,
  compat_dump,
  // Routes of older services that no other route collides with, always served.
  yuvraj9_kv,
  isnastish,
  socketio,
  cluster,           // GET /v1/cluster
  cluster_internal,  // /v1/cluster/propose and /v1/cluster/read_index, between members
};
inline constexpr std::size_t route_count = 16;

// options: CORS preflights; other: any method no route takes.
enum class method { get, head, put, post, del, options, other };
inline constexpr std::size_t method_count = 7;

struct route_match {
  enum route route;
  std::string_view path_template;
  std::string_view key;  // the raw, still percent-encoded key for {key} routes
};

std::optional<route_match> match_route(std::string_view path);

bool allows(enum route route, method m);

// The route's template, e.g. "/v1/keys/{key}": the metrics label.
std::string_view template_of(enum route route);

// The value of the Allow header for a 405 on this route, e.g. "GET, HEAD".
std::string allowed_methods(enum route route);

}  // namespace kv::http
