// The process_* metrics, parsed from a fixture /proc whose command name holds ") (" and spaces.
#include "metrics/process_collector.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace kv::metrics {
namespace {

class ProcessCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("kv-proc-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "self" / "fd");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(root_ / name) << text;
  }

  std::map<std::string, double> collect() {
    std::map<std::string, double> values;
    const process_collector collector((root_ / "self").string(), (root_ / "stat").string());
    for (const auto& family : collector.Collect()) {
      const auto& metric = family.metric.at(0);
      values[family.name] = family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                           : metric.gauge.value;
    }
    return values;
  }

  std::filesystem::path root_;
};

TEST_F(ProcessCollectorTest, ReadsCpuMemoryStartTimeAndFds) {
  // Fields 3.. after the name; utime=300 stime=100 ticks, starttime=500 ticks, vsize, rss pages.
  std::string stat = "42 (kv node) (x) S";
  for (int field = 4; field <= 13; ++field) stat += " 0";
  stat += " 300 100";  // 14, 15
  for (int field = 16; field <= 21; ++field) stat += " 0";
  stat += " 500 8192 3";  // 22, 23, 24
  stat += " 0 0\n";
  write("self/stat", stat);
  write("stat", "cpu 1 2 3\nbtime 1700000000\nprocesses 9\n");
  write("self/fd/0", "");
  write("self/fd/1", "");

  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const auto values = collect();
  EXPECT_DOUBLE_EQ(values.at("process_cpu_seconds_total"), 400 / ticks);
  EXPECT_DOUBLE_EQ(values.at("process_start_time_seconds"), 1700000000 + 500 / ticks);
  EXPECT_DOUBLE_EQ(values.at("process_virtual_memory_bytes"), 8192);
  EXPECT_DOUBLE_EQ(values.at("process_resident_memory_bytes"), 3 * page);
  EXPECT_DOUBLE_EQ(values.at("process_open_fds"), 2);
}

TEST_F(ProcessCollectorTest, TheRealProcessHasPlausibleValues) {
  const process_collector collector;
  std::map<std::string, double> values;
  for (const auto& family : collector.Collect()) {
    values[family.name] = family.metric.at(0).gauge.value + family.metric.at(0).counter.value;
  }
  EXPECT_GT(values.at("process_resident_memory_bytes"), 0);
  EXPECT_GT(values.at("process_open_fds"), 2);  // at least stdin, stdout, stderr
  EXPECT_GT(values.at("process_start_time_seconds"), 1.6e9);
}

}  // namespace
}  // namespace kv::metrics
