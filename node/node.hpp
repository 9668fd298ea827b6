// Runs one kvnode until SIGTERM or SIGINT: wires the actors to the transports, serves, then
// drains and stops in order.
#pragma once

#include "node/node_config.hpp"

namespace kv {

// Returns the process exit status: 0 after a clean shutdown, 1 when the node cannot start (a
// port in use, or data damaged or missing that it cannot start on without --repair), 2 for a
// setting it cannot honour (a data_dir it cannot write to, or one written with another
// partition layout).
int run_node(const node_config& config);

}  // namespace kv
