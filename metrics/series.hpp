// The pieces that the collectors reading counters at scrape time build their families from:
// one series of a counter or gauge, and a relaxed read of an atomic counter.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>

#include <atomic>
#include <utility>
#include <vector>

namespace kv::metrics {

inline prometheus::ClientMetric series(double value, prometheus::MetricType type,
                                       std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

// Relaxed: a scrape needs each counter's value, not an order between counters.
template <class Number>
double read(const std::atomic<Number>& counter) {
  return static_cast<double>(counter.load(std::memory_order_relaxed));
}

}  // namespace kv::metrics
