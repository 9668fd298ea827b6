// Paths as Go's net/url and gorilla/mux treat them: cleaning, escaping and the error of a bad
// escape.
#pragma once

#include <string>
#include <string_view>

#include "transports/http/exchange.hpp"
#include "transports/http/request.hpp"

namespace kv::http::dialects {

// mux's cleanPath: path.Clean (no "//", "/./" or "/../"), keeping a trailing '/'.
std::string clean_go_path(std::string_view path);
// url.URL.EscapedPath of a decoded path: every byte but A-Z a-z 0-9 -_.~$&+,/:;=@ as %XX.
std::string escape_go_path(std::string_view path);
// url.PathUnescape's error for the first malformed escape of `text`: invalid URL escape "%zz".
std::string go_escape_error(std::string_view text);
// mux's answer to a decoded path that is not clean: 301 to the clean path, the query kept, no
// body. False, having answered nothing, when the path is clean.
bool redirected_unclean_path(const std::string& path, const request& req, const exchange_ptr& ex);

}  // namespace kv::http::dialects
