// Cluster mode: the one actor that applies committed log entries to the partitions, one command
// at a time in log order, each sent to its partition and waited for before the next. So every
// member's partitions see the same writes in the same order with the same leader timestamps,
// assign the same seq, and hand their events to the broker in the same order, which gives the
// same rev: the feed is identical on every member. It also takes and restores the raft
// snapshots (the whole store, each partition's seq and the request ids already applied), and
// on the leader proposes the sweeps that expire keys.
//
// Durability: in cluster mode the raft log (fsynced by raft_uv before a member acknowledges an
// entry) is the write-ahead log, and raft snapshots of the store replace the partition
// snapshots; partitions keep no log of their own. A restarted member replays its raft snapshot
// and log through this actor, which rebuilds the same keys, versions, seq and rev.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <memory>
#include <string>

#include "actors/cluster_gate.hpp"
#include "actors/router.hpp"
#include "cluster/replicated_log.hpp"

namespace kv {

caf::actor spawn_cluster_applier(caf::actor_system& system,
                                 std::shared_ptr<const partition_map> map, caf::actor broker,
                                 std::shared_ptr<cluster_gate> gate);

// The hooks a replicated_log calls, bridged to the applier (committed entries with anon_send;
// snapshot and restore wait for the applier's answer).
cluster::log_hooks applier_hooks(caf::actor_system& system, caf::actor applier);

}  // namespace kv
