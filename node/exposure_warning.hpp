// The one warning line of a node that anyone on the network can reach and use: listening on a
// non-loopback address with neither TLS nor bearer tokens (contract section 10).
#pragma once

#include <optional>
#include <string>

namespace kv {

// The line to log at start, or nothing when the listener is loopback only or protected.
std::optional<std::string> exposure_warning(const std::string& listen_host, bool tls_on,
                                            bool auth_on);

}  // namespace kv
