// How errors about the configuration are written: one line for stderr, with the strings in it
// quoted and any control character shown as \xNN.
#pragma once

#include <string>
#include <string_view>

#include "node/node_config.hpp"

namespace kv {

// Paths, keys, values and the messages of the TOML and flag parsers may all hold control
// characters: they are escaped, so that the error stays one line.
config_error make_config_error(std::string_view message);

// A string as it appears in a message, quoted so that "" and " x" are visible.
std::string in_quotes(std::string_view text);

}  // namespace kv
