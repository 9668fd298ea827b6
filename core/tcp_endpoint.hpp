// The host part of a ZeroMQ tcp://HOST:PORT endpoint: reading it, telling a wildcard, and
// putting another host in its place. The node and kvctl agree on these through this file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kv {

// 0.0.0.0, ::, [::] and *: listening on every interface, no address to connect to.
bool is_wildcard_host(std::string_view host);

// The HOST of "tcp://HOST:PORT" (an IPv6 literal with its brackets); nothing for any other
// endpoint.
std::optional<std::string_view> tcp_endpoint_host(std::string_view endpoint);

// `endpoint`, a tcp://HOST:PORT, with `host` as its HOST; an IPv6 literal such as ::1 gets the
// brackets ZeroMQ wants.
std::string with_tcp_host(std::string_view endpoint, const std::string& host);

}  // namespace kv
