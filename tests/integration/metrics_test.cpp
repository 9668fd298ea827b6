// GET /metrics against a running kvnode: families and labels, exact counter movement, cumulative
// buckets, exact key gauges, promtool's verdict, and a real Prometheus server scraping it.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_process.hpp"

extern char** environ;

namespace kvtest {
namespace {

using namespace std::chrono_literals;

// Sample lines of an exposition ("name{labels} value"), keyed by "name{labels}".
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    values[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return values;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(node_.start(&error)) << error;
    client_ = std::make_unique<KvClient>(node_.host(), node_.http_port());
  }
  void TearDown() override { node_.stop(); }

  std::map<std::string, double> scrape() {
    const Reply reply = client_->get("/metrics");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    last_text_ = reply.body;
    return samples(reply.body);
  }

  NodeProcess node_;
  std::unique_ptr<KvClient> client_;
  std::string last_text_;
};

const std::string put_key_series =
    R"(kv_http_requests_total{method="PUT",route="/v1/keys/{key}",status="200"})";

TEST_F(MetricsTest, EveryFamilyOfTheContractIsPresentWithItsLabels) {
  ASSERT_EQ(client_->put_key("a", "1").status, 200);
  ASSERT_EQ(client_->get_key("missing").status, 404);
  const auto values = scrape();
  for (const char* family :
       {"# TYPE kv_http_requests_total counter",
        "# TYPE kv_http_request_duration_seconds histogram", "# TYPE kv_keys gauge",
        "# TYPE kv_partition_keys gauge", "# TYPE kv_build_info gauge",
        "# TYPE process_resident_memory_bytes gauge", "# TYPE process_cpu_seconds_total counter",
        "# TYPE process_start_time_seconds gauge", "# TYPE process_open_fds gauge",
        "# TYPE kv_http_connections_open gauge"}) {
    EXPECT_NE(last_text_.find(family), std::string::npos) << family;
  }
  EXPECT_EQ(values.at(put_key_series), 1);
  EXPECT_EQ(
      values.at(R"(kv_http_requests_total{method="GET",route="/v1/keys/{key}",status="404"})"), 1);
  EXPECT_EQ(
      values.at(R"(kv_http_request_duration_seconds_count{method="PUT",route="/v1/keys/{key}"})"),
      1);
  EXPECT_EQ(values.count(R"(kv_partition_keys{partition="15"})"), 1u);
  EXPECT_EQ(values.at("kv_build_info{version=\"" + project_version() + "\"}"), 1);
  // The label is the route template, never the raw path.
  EXPECT_EQ(last_text_.find("route=\"/v1/keys/a\""), std::string::npos);
}

TEST_F(MetricsTest, CountersMoveByExactlyTheRequestsMade) {
  const auto before = scrape();
  const double puts_before = before.count(put_key_series) ? before.at(put_key_series) : 0;
  for (int i = 0; i < 7; ++i) ASSERT_EQ(client_->put_key(numbered("k", i), "v").status, 200);
  ASSERT_EQ(client_->get("/nowhere").status, 404);
  ASSERT_EQ(client_->request("PATCH", "/v1/keys/x").status, 405);
  const auto after = scrape();
  EXPECT_EQ(after.at(put_key_series) - puts_before, 7);
  EXPECT_EQ(after.at(R"(kv_http_requests_total{method="GET",route="unmatched",status="404"})"), 1);
  EXPECT_EQ(
      after.at(R"(kv_http_requests_total{method="OTHER",route="/v1/keys/{key}",status="405"})"), 1);
  // The first scrape is counted once its answer is complete.
  EXPECT_EQ(after.at(R"(kv_http_requests_total{method="GET",route="/metrics",status="200"})"), 1);
}

TEST_F(MetricsTest, HistogramBucketsAreCumulative) {
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client_->get_key("absent").status, 404);
  scrape();
  std::regex bucket(
      R"re(kv_http_request_duration_seconds_bucket\{method="GET",route="/v1/keys/\{key\}",le="([^"]+)"\} (\S+))re");
  double previous = 0;
  int buckets = 0;
  for (std::sregex_iterator it(last_text_.begin(), last_text_.end(), bucket), end; it != end;
       ++it, ++buckets) {
    const double count = std::stod((*it)[2]);
    EXPECT_GE(count, previous) << "le=" << (*it)[1];
    previous = count;
    if ((*it)[1] == "+Inf") {
      EXPECT_EQ(count, 20);
    }
  }
  EXPECT_GT(buckets, 5);
}

TEST_F(MetricsTest, KeyGaugesAreExactAfterPutsOverwritesAndDeletes) {
  for (int i = 0; i < 50; ++i) ASSERT_EQ(client_->put_key(numbered("key", i), "v").status, 200);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client_->put_key(numbered("key", i), "w").status, 200);
  for (int i = 0; i < 15; ++i) ASSERT_EQ(client_->delete_key(numbered("key", i)).status, 200);
  ASSERT_EQ(client_->delete_key("never-there").status, 200);
  ASSERT_EQ(client_->put_key("\xC3\xA9t\xC3\xA9", "x").status, 200);  // another partition
  const auto values = scrape();
  EXPECT_EQ(values.at("kv_keys"), 36);
  double per_partition = 0;
  for (const auto& [series, value] : values) {
    if (series.starts_with("kv_partition_keys{")) per_partition += value;
  }
  EXPECT_EQ(per_partition, 36);
}

TEST_F(MetricsTest, OpenConnectionsCountEveryEstablishedClientAndForgetClosedOnes) {
  const double before = scrape().at("kv_http_connections_open");
  EXPECT_GE(before, 1);  // the scraping client's own connection
  {
    std::vector<std::unique_ptr<RawConnection>> extra;
    for (int i = 0; i < 3; ++i) {
      extra.push_back(std::make_unique<RawConnection>(node_.host(), node_.http_port()));
      ASSERT_TRUE(extra.back()->connected());
    }
    EXPECT_EQ(scrape().at("kv_http_connections_open"), before + 3);
  }
  // The node closes its side when it reads the clients' end of stream.
  bool back_to_before = false;
  for (int attempt = 0; attempt < 500 && !back_to_before; ++attempt) {
    back_to_before = scrape().at("kv_http_connections_open") == before;
    if (!back_to_before) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(back_to_before);
}

TEST_F(MetricsTest, PromtoolAcceptsTheExposition) {
  ASSERT_EQ(client_->put_key("a", "1").status, 200);
  scrape();
  TempDir dir;
  const std::string path = dir.write_file("metrics.txt", last_text_);
  const std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_EQ(output, "");  // promtool lists every lint problem it finds
}

// A Prometheus server of its own, on a free port with its data in a temp dir.
class PrometheusServer {
 public:
  PrometheusServer(const TempDir& dir, std::uint16_t scrape_port) : port_(pick_free_port()) {
    const std::string config =
        dir.write_file("prometheus.yml",
                       "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kvnode\n"
                       "    static_configs:\n      - targets: ['127.0.0.1:" +
                           std::to_string(scrape_port) + "']\n");
    const std::vector<std::string> args = {
        "prometheus", "--config.file=" + config,
        "--storage.tsdb.path=" + (dir.path() / "tsdb").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"};
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir.path() / "prometheus.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawnp(&pid_, "prometheus", &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~PrometheusServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  bool started() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

TEST_F(MetricsTest, ARealPrometheusScrapesKvKeys) {
  for (int i = 0; i < 12; ++i) ASSERT_EQ(client_->put_key(numbered("p", i), "v").status, 200);
  TempDir dir;
  PrometheusServer prometheus(dir, node_.http_port());
  ASSERT_TRUE(prometheus.started());
  KvClient query("127.0.0.1", prometheus.port());
  // Bounded wait for Prometheus to start, scrape, and answer the query.
  std::string last;
  for (int attempt = 0; attempt < 120; ++attempt) {
    const Reply reply = query.get("/api/v1/query?query=kv_keys");
    last = reply.describe();
    if (reply.status == 200) {
      const auto result = reply.json()["data"]["result"];
      if (result.is_array() && !result.empty()) {
        EXPECT_EQ(result[0]["metric"]["job"], "kvnode");
        EXPECT_EQ(result[0]["value"][1], "12");
        return;
      }
    }
    std::this_thread::sleep_for(250ms);
  }
  FAIL() << "Prometheus never returned kv_keys; last answer: " << last;
}

}  // namespace
}  // namespace kvtest
