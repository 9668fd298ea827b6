// Request counts and latencies of the HTTP transport. Series are found by index, without the
// family's lock; prometheus-cpp 1.0's Histogram::Observe still takes each series' own mutex.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>

#include "transports/http/route_table.hpp"

namespace kv::http {

class http_metrics {
 public:
  explicit http_metrics(prometheus::Registry& registry);

  // `matched` is empty for a path that no route knows.
  void record(std::optional<enum route> matched, method m, int status,
              std::chrono::steady_clock::duration elapsed);

 private:
  static constexpr std::size_t route_labels = route_count + 1;  // and "unmatched"
  static constexpr std::size_t method_labels = method_count;
  // The statuses this server answers with; any other is looked up in the family (a lock).
  static constexpr std::array<int, 10> statuses = {200, 204, 400, 404, 405,
                                                   409, 413, 422, 500, 503};

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  std::array<std::atomic<prometheus::Counter*>, route_labels * method_labels * statuses.size()>
      request_series_{};
  std::array<std::atomic<prometheus::Histogram*>, route_labels * method_labels> duration_series_{};
};

}  // namespace kv::http
