// Whether node.data_dir can hold the write-ahead log, checked before the node writes anything:
// a setting the node cannot use is a bad config (exit 2), not a failure found later.
#pragma once

#include <optional>
#include <string>

namespace kv {

// Creates the directory when it is missing. Returns nothing when it is a writable directory,
// else the one-line error, naming node.data_dir, the path and what is wrong.
std::optional<std::string> data_dir_problem(const std::string& data_dir);

}  // namespace kv
