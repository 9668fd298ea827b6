// The RESP transport's families, registered with the node's registry.
#include "transports/resp/resp_metrics.hpp"

#include "transports/resp/commands.hpp"

namespace kv::resp {

resp_metrics::resp_metrics(prometheus::Registry& registry)
    : connections_(prometheus::BuildGauge()
                       .Name("kv_resp_connections")
                       .Help("Client connections open on the Redis-protocol (RESP) port.")
                       .Register(registry)
                       .Add({})) {
  auto& family = prometheus::BuildCounter()
                     .Name("kv_resp_commands_total")
                     .Help(
                         "Commands received on the RESP port, by command name (lower case); "
                         "names that are no command count as \"unknown\".")
                     .Register(registry);
  for (const auto& spec : command_table()) {
    commands_.push_back(&family.Add({{"command", std::string(spec.name)}}));
  }
  commands_.push_back(&family.Add({{"command", "unknown"}}));
}

}  // namespace kv::resp
