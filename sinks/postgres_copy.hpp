// The change log's COPY store: batches streamed into kv_changes with COPY FROM STDIN through
// libpq itself, each row written once in COPY's binary format (append_copy_binary_row).
#pragma once

#include <memory>
#include <string>

#include "sinks/changelog_sink.hpp"

namespace kv::changelog {

// Connects when opened, with libpq's own connection string (TLS included).
std::unique_ptr<changelog_store> make_copy_store(std::string conninfo);

}  // namespace kv::changelog
