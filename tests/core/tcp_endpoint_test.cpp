// Tests of the host part of tcp:// endpoints: reading it, wildcards, and replacing it.
#include "core/tcp_endpoint.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(TcpEndpointTest, WildcardHosts) {
  for (const char* host : {"0.0.0.0", "::", "[::]", "*"}) EXPECT_TRUE(is_wildcard_host(host));
  for (const char* host : {"127.0.0.1", "::1", "[::1]", "localhost", ""}) {
    EXPECT_FALSE(is_wildcard_host(host)) << host;
  }
}

TEST(TcpEndpointTest, TheHostIsBetweenTheSchemeAndTheLastColon) {
  EXPECT_EQ(tcp_endpoint_host("tcp://127.0.0.1:5556"), "127.0.0.1");
  EXPECT_EQ(tcp_endpoint_host("tcp://[::]:5556"), "[::]");
  EXPECT_EQ(tcp_endpoint_host("tcp://*:*"), "*");
  EXPECT_EQ(tcp_endpoint_host("tcp://no-port"), std::nullopt);
  EXPECT_EQ(tcp_endpoint_host("ipc:///run/feed:1"), std::nullopt);
}

TEST(TcpEndpointTest, AnotherHostKeepsThePortAndGetsBracketsWhenIpv6) {
  EXPECT_EQ(with_tcp_host("tcp://0.0.0.0:5556", "10.1.2.3"), "tcp://10.1.2.3:5556");
  EXPECT_EQ(with_tcp_host("tcp://[::]:5556", "::1"), "tcp://[::1]:5556");
  EXPECT_EQ(with_tcp_host("tcp://*:5556", "node.example"), "tcp://node.example:5556");
}

}  // namespace
}  // namespace kv
