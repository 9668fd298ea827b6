// kv_http_connections_open from fixture socket tables: only established connections whose
// local end is the HTTP port count, over IPv4 and IPv6.
#include "metrics/connection_collector.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kv::metrics {
namespace {

constexpr const char* headings =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

class ConnectionCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("kv-net-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void write(const std::string& name, const std::string& rows) {
    std::ofstream(root_ / name) << headings << rows;
  }

  double open_connections(std::uint16_t port) {
    const connection_collector collector([port] { return port; }, root_.string());
    const auto families = collector.Collect();
    EXPECT_EQ(families.size(), 1u);
    EXPECT_EQ(families.at(0).name, "kv_http_connections_open");
    return families.at(0).metric.at(0).gauge.value;
  }

  std::filesystem::path root_;
};

// Port 8080 is 1F90; 0A is LISTEN, 01 ESTABLISHED, 06 TIME_WAIT.
TEST_F(ConnectionCollectorTest, CountsEstablishedServerSidesOfThePortOnly) {
  write("tcp",
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n"
        "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 2\n"
        "   2: 0100007F:1F90 0100007F:C351 01 00000000:00000000 00:00000000 00000000 0 0 3\n"
        "   3: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 0 0 4\n"
        "   4: 0100007F:1F90 0100007F:C352 06 00000000:00000000 00:00000000 00000000 0 0 0\n"
        "   5: 0100007F:1F91 0100007F:C353 01 00000000:00000000 00:00000000 00000000 0 0 5\n");
  write("tcp6",
        "   0: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:D000 01 "
        "00000000:00000000 00:00000000 00000000 0 0 6\n");
  EXPECT_EQ(open_connections(8080), 3);
}

TEST_F(ConnectionCollectorTest, MissingTablesCountAsNoConnections) {
  EXPECT_EQ(open_connections(8080), 0);
}

}  // namespace
}  // namespace kv::metrics
