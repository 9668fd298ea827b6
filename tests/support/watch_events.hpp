// Reading a node's retained change-feed events over GET /v1/watch, for tests that check which
// events a write made (and in what order) without a client library in between.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/node_process.hpp"

namespace kvtest {

// The first `count` events of /v1/watch?prefix=P&since_rev=R, read off a raw socket; fewer
// when `wait` passes first.
std::vector<nlohmann::json> retained_events(
    NodeProcess& node, const std::string& prefix, std::size_t count,
    std::chrono::milliseconds wait = std::chrono::seconds(10), std::uint64_t since_rev = 0);

}  // namespace kvtest
