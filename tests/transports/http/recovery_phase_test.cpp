// While the node recovers its data, readiness and every route that touches keys answer 503
// with a message saying so; the node's own routes keep answering.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "actors/store_runtime.hpp"
#include "metrics/node_metrics.hpp"
#include "transports/http/http_server.hpp"

namespace kv::http {
namespace {

server_options one_thread_on_any_port() {
  server_options options;
  options.port = 0;
  options.threads = 1;
  options.version = "0.0.0";
  return options;
}

class RecoveryPhaseTest : public ::testing::Test {
 protected:
  RecoveryPhaseTest()
      : metrics_(runtime_options().table.partition_count(), "0.0.0"),
        server_(one_thread_on_any_port(), runtime_.api(), runtime_.feed(), metrics_) {
    server_.start();
    server_.set_phase(node_phase::recovering);
  }
  // A request is done with the server's metrics only once in_flight() counts it out, which
  // can be a moment after its client has the answer.
  ~RecoveryPhaseTest() override {
    for (int i = 0; i < 500 && server_.in_flight() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server_.stop();
  }

  static store_runtime_options runtime_options() { return {}; }

  httplib::Result send(const std::string& method, const std::string& path) {
    httplib::Client client("127.0.0.1", server_.port());
    if (method == "PUT") return client.Put(path, "v", "application/octet-stream");
    if (method == "POST") return client.Post(path, R"({"a":"1"})", "application/json");
    if (method == "DELETE") return client.Delete(path);
    return client.Get(path);
  }

  void expect_recovering(const std::string& method, const std::string& path,
                         const std::string& message) {
    const auto reply = send(method, path);
    ASSERT_TRUE(reply) << method << " " << path;
    EXPECT_EQ(reply->status, 503) << method << " " << path;
    const auto body = nlohmann::json::parse(reply->body, nullptr, false);
    EXPECT_EQ(body, (nlohmann::json{{"error", "unavailable"}, {"message", message}}))
        << method << " " << path << ": " << reply->body;
  }

  store_runtime runtime_{runtime_options()};
  metrics::node_metrics metrics_;
  http_server server_;
};

TEST_F(RecoveryPhaseTest, KeyRoutesAndReadinessAnswer503UntilServing) {
  const std::string recovering = "node is recovering its data from disk";
  expect_recovering("GET", "/v1/readiness", "node is recovering");
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/keys/a"},
                                                        {"PUT", "/v1/keys/a"},
                                                        {"DELETE", "/v1/keys/a"},
                                                        {"GET", "/v1/keys"},
                                                        {"POST", "/v1/keys"},
                                                        {"GET", "/v1/watch"},
                                                        {"GET", "/get/a"},
                                                        {"POST", "/set"},
                                                        {"GET", "/search?prefix=a"},
                                                        {"GET", "/"}}) {
    expect_recovering(method, path, recovering);
  }
  for (const char* path : {"/v1/ping", "/v1/info", "/metrics"}) {
    const auto reply = send("GET", path);
    ASSERT_TRUE(reply) << path;
    EXPECT_EQ(reply->status, 200) << path;
  }

  server_.set_phase(node_phase::serving);
  EXPECT_EQ(send("PUT", "/v1/keys/a")->status, 200);
  EXPECT_EQ(send("GET", "/v1/readiness")->status, 200);
}

}  // namespace
}  // namespace kv::http
