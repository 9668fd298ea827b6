// The warning a node logs at start when it listens beyond this machine with nothing guarding
// its port, so that an operator who opened it by mistake finds out from the first lines.
#pragma once

#include <optional>
#include <string>

namespace kv {

// The warning line, or nothing when `host` is a loopback address or TLS or tokens protect it.
std::optional<std::string> exposure_warning(const std::string& host, bool tls_on, bool auth_on);

}  // namespace kv
