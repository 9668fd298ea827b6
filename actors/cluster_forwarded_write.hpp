// The leader's side of writes another member forwarded (POST /v1/cluster/propose): propose
// them, then answer with the outcomes this member applied, so that the member answers its client
// at once rather than after it learns, a heartbeat later, that the entry committed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "actors/cluster_gate.hpp"
#include "cluster/replicated_log.hpp"

namespace kv::forwarded_write {

// `ids` are each command's (origin, request_id). done(200, framed outcomes, one per command and
// "" where none is known) once committed and applied here; done(503, why) when not committed.
void start(cluster::replicated_log& log, cluster_gate& gate, std::vector<std::string> commands,
           std::vector<std::pair<std::uint32_t, std::uint64_t>> ids,
           std::function<void(int, std::string)> done);

}  // namespace kv::forwarded_write
