// A connection that sends no request for the idle timeout is closed, and a streaming response
// is such a connection: a watch stream must outlive that timeout as long as it writes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "actors/store_runtime.hpp"
#include "metrics/node_metrics.hpp"
#include "transports/http/http_server.hpp"

namespace kv::http {
namespace {

using namespace std::chrono_literals;

constexpr auto idle_timeout = 2s;

feed_options frequent_heartbeats() {
  feed_options options;
  options.heartbeat_interval = 100ms;
  options.liveness_interval = 50ms;
  return options;
}

class StreamIdleTest : public ::testing::Test {
 protected:
  StreamIdleTest() : metrics_(runtime_options().table.partition_count(), "0.0.0") {
    server_options options;
    options.port = 0;
    options.threads = 1;
    options.version = "0.0.0";
    options.idle_timeout = idle_timeout;
    server_ = std::make_unique<http_server>(options, runtime_.api(), runtime_.feed(), metrics_);
    server_->start();
    server_->set_phase(node_phase::serving);
  }
  ~StreamIdleTest() override {
    if (fd_ >= 0) ::close(fd_);
    runtime_.feed().close_watches();
    for (int i = 0; i < 500 && server_->in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
    server_->stop();
  }

  static store_runtime_options runtime_options() { return {}; }

  void open_watch() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    ASSERT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::string request = "GET /v1/watch HTTP/1.1\r\nHost: test\r\n\r\n";
    ASSERT_EQ(::send(fd_, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  }

  // Reads whatever arrives for `period`; false if the node closed the connection meanwhile.
  bool read_for(std::chrono::milliseconds period) {
    const auto until = std::chrono::steady_clock::now() + period;
    while (std::chrono::steady_clock::now() < until) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) return false;
      received_.append(buffer, static_cast<std::size_t>(got));
    }
    return true;
  }

  store_runtime runtime_{runtime_options(), frequent_heartbeats()};
  metrics::node_metrics metrics_;
  std::unique_ptr<http_server> server_;
  int fd_ = -1;
  std::string received_;
};

TEST_F(StreamIdleTest, AWatchThatKeepsWritingOutlivesTheIdleTimeout) {
  open_watch();
  ASSERT_TRUE(read_for(3 * idle_timeout)) << "closed after: " << received_;
  EXPECT_NE(received_.find("200 OK"), std::string::npos);
  EXPECT_NE(received_.find(":\n\n"), std::string::npos) << "heartbeats: " << received_;

  httplib::Client client("127.0.0.1", server_->port());
  const auto put = client.Put("/v1/keys/still-here", "v", "application/octet-stream");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200);
  ASSERT_TRUE(read_for(500ms));
  EXPECT_NE(received_.find("still-here"), std::string::npos);
}

}  // namespace
}  // namespace kv::http
