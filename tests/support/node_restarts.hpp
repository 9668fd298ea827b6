// Restarting a node under test as a crash would: starting it and waiting until it has recovered
// its data, and SIGKILL followed by such a start. Shared by the durability tests.
#pragma once

#include <gtest/gtest.h>

#include "tests/support/node_process.hpp"

namespace kvtest {

// Starts the node and waits, bounded, until it has recovered and serves keys.
::testing::AssertionResult start_and_wait_ready(NodeProcess& node);

// SIGKILL, then start_and_wait_ready on the same data.
::testing::AssertionResult kill_and_restart(NodeProcess& node);

}  // namespace kvtest
