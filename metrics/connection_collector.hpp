// kv_http_connections_open: the established TCP connections to the HTTP port, counted from
// /proc/net/tcp{,6} at scrape time, so that it counts what the kernel holds, accepted or not.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kv::metrics {

class connection_collector : public prometheus::Collectable {
 public:
  // `port` is asked at each scrape, since the server learns it only once it listens.
  // `proc_net` is /proc/self/net, or a fixture directory in tests.
  explicit connection_collector(std::function<std::uint16_t()> port,
                                std::string proc_net = "/proc/self/net");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<std::uint16_t()> port_;
  std::string proc_net_;
};

}  // namespace kv::metrics
