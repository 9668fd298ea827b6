// Line by line: a series is its name and labels, a space, then the value.
#include "tests/support/node_metrics.hpp"

#include <chrono>
#include <sstream>
#include <thread>

namespace kvtest {

double metric(KvClient& kv, const std::string& series) {
  const Reply reply = kv.get("/metrics");
  std::istringstream lines(reply.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  ADD_FAILURE() << "no series " << series << " in /metrics";
  return -1;
}

::testing::AssertionResult MetricReaches(KvClient& kv, const std::string& series, double value) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  double now = 0;
  while ((now = metric(kv, series)) != value) {
    if (std::chrono::steady_clock::now() > deadline) {
      return ::testing::AssertionFailure() << series << " is " << now << ", expected " << value;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kvtest
