// Reading the kernel's socket tables. Their local end is the server's side of a connection,
// so a client on the same host (whose local port is an ephemeral one) is never counted twice.
#include "metrics/connection_collector.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>

#include "metrics/series.hpp"

namespace kv::metrics {
namespace {

constexpr std::string_view established_state = "01";  // TCP_ESTABLISHED, in hex, per proc(5)

// Established connections whose local port is `port` in one /proc/net/tcp-format table.
std::size_t count_established(const std::string& table, std::uint16_t port) {
  std::ifstream file(table);
  std::string line;
  std::getline(file, line);  // the column headings
  std::size_t count = 0;
  while (std::getline(file, line)) {
    // "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT.
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos || state != established_state) continue;
    unsigned local_port = 0;
    const char* digits = local.data() + colon + 1;
    const auto parsed = std::from_chars(digits, local.data() + local.size(), local_port, 16);
    if (parsed.ec == std::errc() && local_port == port) ++count;
  }
  return count;
}

}  // namespace

connection_collector::connection_collector(std::function<std::uint16_t()> port,
                                           std::string proc_net)
    : port_(std::move(port)), proc_net_(std::move(proc_net)) {}

std::vector<prometheus::MetricFamily> connection_collector::Collect() const {
  const std::uint16_t port = port_();
  const std::size_t open =
      count_established(proc_net_ + "/tcp", port) + count_established(proc_net_ + "/tcp6", port);
  return {{"kv_http_connections_open",
           "Established TCP connections to the HTTP port",
           prometheus::MetricType::Gauge,
           {series(static_cast<double>(open), prometheus::MetricType::Gauge)}}};
}

}  // namespace kv::metrics
