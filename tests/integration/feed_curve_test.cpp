// ZeroMQ CURVE on the change feed of a real kvnode: /v1/info shows the server's public key, an
// allowed client key receives events, an unknown one is refused by the ZAP handler and receives
// nothing, kvctl watch with the keys prints changes, and bad keys stop the node at start.
#include <gtest/gtest.h>
#include <signal.h>
#include <zmq.h>

#include <array>
#include <chrono>
#include <cstring>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/support/kv_client.hpp"
#include "tests/support/kvctl_runner.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

struct KeyPair {
  std::string public_key;
  std::string secret_key;
};

KeyPair new_key_pair() {
  std::array<char, 41> public_key{};
  std::array<char, 41> secret_key{};
  EXPECT_EQ(zmq_curve_keypair(public_key.data(), secret_key.data()), 0);
  return {std::string(public_key.data(), 40), std::string(secret_key.data(), 40)};
}

// A SUB socket on the node's feed with CURVE keys, and a monitor of its handshake.
class CurveSubscriber {
 public:
  CurveSubscriber(zmq::context_t& context, const std::string& endpoint,
                  const std::string& server_key, const KeyPair& client, const std::string& name)
      : socket_(context, zmq::socket_type::sub), monitor_(context, zmq::socket_type::pair) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::curve_serverkey, server_key);
    socket_.set(zmq::sockopt::curve_publickey, client.public_key);
    socket_.set(zmq::sockopt::curve_secretkey, client.secret_key);
    socket_.set(zmq::sockopt::subscribe, "");
    const std::string monitor_endpoint = "inproc://monitor-" + name;
    EXPECT_EQ(zmq_socket_monitor(socket_.handle(), monitor_endpoint.c_str(),
                                 ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH),
              0);
    monitor_.set(zmq::sockopt::rcvtimeo, 10000);
    monitor_.connect(monitor_endpoint);
    socket_.connect(endpoint);
  }

  // The first handshake event: ZMQ_EVENT_HANDSHAKE_SUCCEEDED or _FAILED_AUTH (0 if none came).
  std::uint16_t handshake_event() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(monitor_, std::back_inserter(frames)) || frames.empty()) return 0;
    std::uint16_t event = 0;
    std::memcpy(&event, frames[0].data(), sizeof event);
    return event;
  }

  // The next [key, event] message, waiting at most `wait`.
  std::optional<std::vector<std::string>> receive(std::chrono::milliseconds wait) {
    socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(wait.count()));
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames))) return std::nullopt;
    std::vector<std::string> parts;
    for (const auto& frame : frames) parts.push_back(frame.to_string());
    return parts;
  }

 private:
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
};

class FeedCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = new_key_pair();
    allowed_ = new_key_pair();
    const std::string config = files_.write_file(
        "kvnode.toml", "[feed]\ncurve_secret_key = \"" + server_.secret_key +
                           "\"\ncurve_allowed_clients = [\"" + allowed_.public_key + "\"]\n");
    node_ = std::make_unique<NodeProcess>(std::vector<std::string>{"--config", config});
    std::string error;
    ASSERT_TRUE(node_->start(&error)) << error;
  }

  std::string feed_endpoint() const {
    return "tcp://127.0.0.1:" + std::to_string(node_->feed_port());
  }

  void put(const std::string& key) {
    KvClient client(node_->host(), node_->http_port());
    ASSERT_EQ(client.put_key(key, "v").status, 200) << key;
  }

  // Writes keys until `subscriber` receives one: a subscription only takes effect some time
  // after the handshake, and events before it are not delivered (ZeroMQ's slow joiner).
  std::optional<std::vector<std::string>> first_event(CurveSubscriber& subscriber) {
    for (int i = 0; i < 200; ++i) {
      put("curve/" + std::to_string(i));
      if (auto message = subscriber.receive(50ms)) return message;
    }
    return std::nullopt;
  }

  TempDir files_;
  KeyPair server_;
  KeyPair allowed_;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(FeedCurveTest, InfoAdvertisesTheServersPublicKey) {
  KvClient client(node_->host(), node_->http_port());
  const Reply info = client.get("/v1/info");
  ASSERT_EQ(info.status, 200) << info.describe();
  EXPECT_EQ(info.json()["feed"]["curve_server_key"], server_.public_key) << info.body;
}

TEST_F(FeedCurveTest, AnAllowedClientReceivesEvents) {
  zmq::context_t context;
  CurveSubscriber subscriber(context, feed_endpoint(), server_.public_key, allowed_, "allowed");
  EXPECT_EQ(subscriber.handshake_event(), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  const auto message = first_event(subscriber);
  ASSERT_TRUE(message);
  ASSERT_EQ(message->size(), 2u);
  EXPECT_TRUE((*message)[0].starts_with("curve/")) << (*message)[0];
  EXPECT_NE((*message)[1].find("\"op\":\"put\""), std::string::npos) << (*message)[1];
}

TEST_F(FeedCurveTest, AnUnknownClientKeyIsRefusedAndReceivesNothing) {
  zmq::context_t context;
  CurveSubscriber stranger(context, feed_endpoint(), server_.public_key, new_key_pair(),
                           "stranger");
  EXPECT_EQ(stranger.handshake_event(), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  // Events that reach an allowed client after the refusal never reach the stranger.
  CurveSubscriber allowed(context, feed_endpoint(), server_.public_key, allowed_, "allowed");
  ASSERT_TRUE(first_event(allowed));
  put("curve/after");
  ASSERT_TRUE(allowed.receive(10s));
  EXPECT_FALSE(stranger.receive(0ms));
}

TEST_F(FeedCurveTest, KvctlWatchWithTheKeysPrintsChanges) {
  BackgroundKvctl watch({"--url", "http://127.0.0.1:" + std::to_string(node_->http_port()), "watch",
                         "--feed", feed_endpoint()},
                        {"KVCTL_CURVE_SERVER_KEY=" + server_.public_key,
                         "KVCTL_CURVE_SECRET_KEY=" + allowed_.secret_key});
  ASSERT_TRUE(watch.started());
  bool printed = false;
  for (int i = 0; i < 200 && !printed; ++i) {
    put("kvctl/" + std::to_string(i));
    printed = watch.wait_for_text("kvctl/", 50ms);
  }
  EXPECT_TRUE(printed) << watch.err();
}

TEST(FeedCurveStartTest, BadKeysStopTheNodeWithExit2) {
  TempDir files;
  const KeyPair good = new_key_pair();
  const std::vector<std::string> bad_configs = {
      "[feed]\ncurve_secret_key = \"short\"\n",
      "[feed]\ncurve_secret_key = \"" + std::string(39, 'a') + "~" + "\"\n",
      "[feed]\ncurve_secret_key = \"" + good.secret_key + "\"\ncurve_allowed_clients = [\"" +
          std::string(39, 'a') + "~\"]\n",
      "[feed]\ncurve_allowed_clients = [\"" + good.public_key + "\"]\n",
  };
  for (const auto& text : bad_configs) {
    const std::string config = files.write_file("kvnode.toml", text);
    const RunResult run = run_kvnode({"--config", config, "--http-listen", "127.0.0.1:0",
                                      "--feed-endpoint", "tcp://127.0.0.1:*"});
    EXPECT_TRUE(run.status.exited_with(2)) << text << ": " << run.status.describe();
    EXPECT_EQ(non_empty_lines(run.stderr_text).size(), 1u) << text << ": " << run.stderr_text;
  }
}

}  // namespace
}  // namespace kvtest
