// The partition layout a data directory was written with, kept in data_dir/LAYOUT: a node
// started with another layout must refuse the data, or it would look keys up in the wrong logs.
// LAYOUT also says the data was written: with it, every partition's directory must be there.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/routing_table.hpp"
#include "storage/status.hpp"

namespace kv::storage {

// One line naming every partition's first key in hex, e.g. "partitions 2: - 80".
std::string describe_layout(const routing_table& table);

// Before any partition opens. A data directory without LAYOUT and without partition
// directories is new: the partition directories are created, then LAYOUT (atomically: write,
// fsync, rename). Otherwise LAYOUT must give `table`'s layout (else std::errc::invalid_argument
// naming the file and both layouts), and every partition's directory must exist. A missing
// LAYOUT or partition directory is corruption, unless `repair`: then a missing partition starts
// empty, and a missing LAYOUT is written from `table` if the partition directories are exactly
// the ones `table` gives (else std::errc::invalid_argument). Returns the warnings to log.
result<std::vector<std::string>> check_data_layout(const std::filesystem::path& data_dir,
                                                   const routing_table& table, bool repair);

}  // namespace kv::storage
