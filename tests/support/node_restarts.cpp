// Bounded waits for a restarted node's readiness.
#include "tests/support/node_restarts.hpp"

#include <csignal>
#include <thread>

#include "tests/support/kv_client.hpp"

namespace kvtest {

using namespace std::chrono_literals;

::testing::AssertionResult start_and_wait_ready(NodeProcess& node) {
  std::string error;
  if (!node.start(&error)) return ::testing::AssertionFailure() << error;
  KvClient client(node.host(), node.http_port());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (client.get("/v1/readiness").status == 200) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(20ms);
  }
  return ::testing::AssertionFailure() << "readiness never turned 200\n" << node.stderr_text();
}

::testing::AssertionResult kill_and_restart(NodeProcess& node) {
  node.send_signal(SIGKILL);
  const ExitStatus ended = node.wait_for_exit(10s);
  if (!ended.signaled || ended.signal != SIGKILL) {
    return ::testing::AssertionFailure() << "kvnode ended otherwise: " << ended.describe();
  }
  return start_and_wait_ready(node);
}

}  // namespace kvtest
