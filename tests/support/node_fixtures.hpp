// GoogleTest fixtures that run a kvnode for the tests: one node per test suite (shared, keys
// namespaced by test name) or one fresh node per test (for tests that need an empty store).
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {

// The name of the running test, to keep keys of tests that share a node apart.
inline std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? info->name() : "no-test";
}

// A key unique to the running test: "<TestName>/<suffix>".
inline std::string test_key(const std::string& suffix) {
  return current_test_name() + "/" + suffix;
}

inline void print_node_stderr(NodeProcess& node) {
  const std::string text = node.stderr_text();
  constexpr std::size_t kTail = 8192;
  std::cerr << "--- kvnode stderr (last " << kTail << " bytes) ---\n"
            << (text.size() > kTail ? text.substr(text.size() - kTail) : text)
            << "--- end of kvnode stderr ---\n";
}

// One node for the whole suite. `Suite` may declare `static std::vector<std::string>
// node_args()` to pass extra flags.
template <class Suite>
class SharedNodeTest : public ::testing::Test {
 public:
  static std::vector<std::string> node_args() { return {}; }

  static void SetUpTestSuite() {
    node_ = std::make_unique<NodeProcess>(Suite::node_args());
    start_error_.clear();
    node_->start(&start_error_);
  }

  static void TearDownTestSuite() {
    if (node_) node_->stop();
    node_.reset();
  }

 protected:
  void SetUp() override {
    ASSERT_TRUE(node_ && node_->running()) << "kvnode is not running. " << start_error_;
    client_ = std::make_unique<KvClient>(node_->host(), node_->http_port());
  }

  void TearDown() override {
    if (HasFailure() && node_) print_node_stderr(*node_);
  }

  NodeProcess& node() { return *node_; }
  KvClient& kv() { return *client_; }
  KvClient new_client(bool keep_alive = true) {
    return KvClient(node_->host(), node_->http_port(), keep_alive);
  }

 private:
  static inline std::unique_ptr<NodeProcess> node_;
  static inline std::string start_error_;
  std::unique_ptr<KvClient> client_;
};

// A fresh node for every test. Override node_args() for extra flags.
class FreshNodeTest : public ::testing::Test {
 protected:
  virtual std::vector<std::string> node_args() { return {}; }

  void SetUp() override {
    node_ = std::make_unique<NodeProcess>(node_args());
    std::string error;
    ASSERT_TRUE(node_->start(&error)) << error;
    client_ = std::make_unique<KvClient>(node_->host(), node_->http_port());
  }

  void TearDown() override {
    if (HasFailure() && node_) print_node_stderr(*node_);
    if (node_) node_->stop();
  }

  NodeProcess& node() { return *node_; }
  KvClient& kv() { return *client_; }
  KvClient new_client(bool keep_alive = true) {
    return KvClient(node_->host(), node_->http_port(), keep_alive);
  }

 private:
  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<KvClient> client_;
};

}  // namespace kvtest
