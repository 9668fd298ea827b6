// A raft_uv transport that accepts DNS names: it resolves a peer's "HOST:PORT" at each connect
// and hands the IPv4 literal to raft_uv's TCP transport, which takes literals only (raft 0.15).
#pragma once

#include <uv.h>

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

namespace kv::cluster {

// Wraps `tcp` (initialised with raft_uv_tcp_init on `loop`, owned by the caller). The stored
// membership can then hold names, so a Kubernetes pod that comes back with a new IP address
// is still the member its name says. Returns 0 or a raft error code.
int resolving_transport_init(raft_uv_transport* outer, raft_uv_transport* tcp, uv_loop_t* loop);

// Frees what resolving_transport_init allocated; after `outer` was closed (by raft_uv_close).
void resolving_transport_close(raft_uv_transport* outer);

}  // namespace kv::cluster
