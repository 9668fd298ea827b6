// Runs one kvnode until SIGTERM or SIGINT: wires the actors to the transports, serves, then
// drains and stops in order.
#pragma once

#include <memory>

#include "node/node_config.hpp"

namespace kv::http {
class tls_context;
}

namespace kv {

// Returns the process exit status: 0 after a clean shutdown, 1 when the node cannot start (a
// port in use, or data damaged or missing that it cannot start on without --repair), 2 for a
// setting it cannot honour (a data_dir it cannot write to, or one written with another
// partition layout). `tls`, loaded from config's [http.tls] before the node starts, makes the
// HTTP port speak TLS only; null serves plain HTTP.
int run_node(const node_config& config, std::shared_ptr<const http::tls_context> tls);

}  // namespace kv
