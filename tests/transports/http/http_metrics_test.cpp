// HTTP request metrics: exact counts per method, route template and status; cumulative buckets.
#include "transports/http/http_metrics.hpp"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace kv::http {
namespace {

using namespace std::chrono_literals;

std::string render(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(HttpMetricsTest, CountsEachLabelCombinationExactly) {
  prometheus::Registry registry;
  http_metrics metrics(registry);
  for (int i = 0; i < 3; ++i) metrics.record(route::key, method::put, 200, 1ms);
  metrics.record(route::key, method::get, 404, 1ms);
  metrics.record(std::nullopt, method::get, 404, 1ms);
  metrics.record(route::keys, method::post, 418, 1ms);  // a status outside the cached set

  const std::string text = render(registry);
  EXPECT_NE(
      text.find("kv_http_requests_total{method=\"PUT\",route=\"/v1/keys/{key}\",status=\"200\"} 3"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("kv_http_requests_total{method=\"GET\",route=\"/v1/keys/{key}\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find("kv_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find("kv_http_requests_total{method=\"POST\",route=\"/v1/keys\",status=\"418\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "kv_http_request_duration_seconds_count{method=\"PUT\",route=\"/v1/keys/{key}\"} 3"),
      std::string::npos);
}

TEST(HttpMetricsTest, DurationBucketsAreCumulative) {
  prometheus::Registry registry;
  http_metrics metrics(registry);
  metrics.record(route::ping, method::get, 200, 50us);  // <= 0.0001
  metrics.record(route::ping, method::get, 200, 3ms);   // <= 0.005
  metrics.record(route::ping, method::get, 200, 10s);   // only +Inf
  const std::string text = render(registry);
  const std::string series =
      "kv_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/ping\",le=";
  EXPECT_NE(text.find(series + "\"0.0001\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find(series + "\"0.0025\"} 1"), std::string::npos);
  EXPECT_NE(text.find(series + "\"0.005\"} 2"), std::string::npos);
  EXPECT_NE(text.find(series + "\"5\"} 2"), std::string::npos);
  EXPECT_NE(text.find(series + "\"+Inf\"} 3"), std::string::npos);
}

}  // namespace
}  // namespace kv::http
