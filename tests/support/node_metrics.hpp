// Reading a node's /metrics in tests: one series' value, and waiting for a counter the broker
// or a scrape updates a moment after the request that caused it was answered.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tests/support/kv_client.hpp"

namespace kvtest {

// The value of `series` (name with its labels, as /metrics prints it); a test failure and -1
// when the node does not serve it.
double metric(KvClient& kv, const std::string& series);

// Polls the metric until it equals `value`; bounded.
::testing::AssertionResult MetricReaches(KvClient& kv, const std::string& series, double value);

}  // namespace kvtest
