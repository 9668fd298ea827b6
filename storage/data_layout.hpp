// The partition layout a data directory was written with, kept in data_dir/LAYOUT: a node
// started with another layout must refuse the data, or it would look keys up in the wrong logs.
#pragma once

#include <filesystem>
#include <string>

#include "core/routing_table.hpp"
#include "storage/status.hpp"

namespace kv::storage {

// One line naming every partition's first key in hex, e.g. "partitions 2: - 80".
std::string describe_layout(const routing_table& table);

// Creates data_dir and writes the layout when the directory has none yet (atomically: write,
// fsync, rename); else compares. A different layout is std::errc::invalid_argument with a
// message naming the file and both layouts.
status check_data_layout(const std::filesystem::path& data_dir, const std::string& layout);

}  // namespace kv::storage
