// Parsing of /proc/self/stat, /proc/self/statm, /proc/self/fd and the boot time in /proc/stat.
#include "metrics/process_collector.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kv::metrics {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, double value,
                                prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {metric}};
}

// The fields of /proc/self/stat after the command name, which may itself hold spaces and
// parentheses, so parsing starts after the last ')'. fields[0] is field 3 (state).
std::vector<std::string> stat_fields(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  const auto close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double boot_time_seconds(const std::string& proc_stat) {
  std::ifstream file(proc_stat);
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

process_collector::process_collector(std::string proc_self, std::string proc_stat)
    : proc_self_(std::move(proc_self)), proc_stat_(std::move(proc_stat)) {}

std::vector<prometheus::MetricFamily> process_collector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  // Field numbers per proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24.
  const auto fields = stat_fields(proc_self_ + "/stat");
  if (fields.size() >= 22) {
    const double cpu = (std::stod(fields[14 - 3]) + std::stod(fields[15 - 3])) / ticks;
    families.push_back(family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds.", cpu,
                              prometheus::MetricType::Counter));
    families.push_back(family("process_start_time_seconds",
                              "Start time of the process since unix epoch in seconds.",
                              boot_time_seconds(proc_stat_) + std::stod(fields[22 - 3]) / ticks));
    families.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                              std::stod(fields[23 - 3])));
    families.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                              std::stod(fields[24 - 3]) * page));
  }
  std::error_code error;
  double open_fds = 0;
  for (std::filesystem::directory_iterator it(proc_self_ + "/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++open_fds;
  }
  families.push_back(family("process_open_fds", "Number of open file descriptors.", open_fds));
  return families;
}

}  // namespace kv::metrics
