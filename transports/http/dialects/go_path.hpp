// Paths as Go's net/url and gorilla/mux treat them: cleaning, escaping and the error of a bad
// escape.
#pragma once

#include <string>
#include <string_view>

#include "transports/http/exchange.hpp"

namespace kv::http::dialects {

// mux's cleanPath: path.Clean (no "//", "/./" or "/../"), keeping a trailing '/'.
std::string clean_go_path(std::string_view path);
// url.URL.EscapedPath of a decoded path: every byte but A-Z a-z 0-9 -_.~$&+,/:;=@ as %XX.
std::string escape_go_path(std::string_view path);
// url.PathUnescape's error for the first malformed escape of `text`: invalid URL escape "%zz".
std::string go_escape_error(std::string_view text);
// A redirect without a body, as mux answers an unclean path.
void send_go_redirect(const exchange_ptr& ex, int status, std::string_view location);

}  // namespace kv::http::dialects
