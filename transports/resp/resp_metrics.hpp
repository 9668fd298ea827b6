// kv_resp_commands_total{command} and kv_resp_connections. A series per known command is made
// up front, so that counting one needs no lookup and the label set stays bounded: every name
// that is not a command counts as "unknown".
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <vector>

namespace kv::resp {

class resp_metrics {
 public:
  explicit resp_metrics(prometheus::Registry& registry);

  // `command` is an index into command_table(), or command_table().size() for an unknown name.
  void count_command(std::size_t command) { commands_[command]->Increment(); }
  void connection_opened() { connections_.Increment(); }
  void connection_closed() { connections_.Decrement(); }

 private:
  std::vector<prometheus::Counter*> commands_;
  prometheus::Gauge& connections_;
};

}  // namespace kv::resp
