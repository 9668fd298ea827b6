// kv_http_requests_total and kv_http_request_duration_seconds.
#include "transports/http/http_metrics.hpp"

#include <algorithm>

namespace kv::http {
namespace {

constexpr std::array<const char*, method_count> method_names = {"GET",    "HEAD",    "PUT",  "POST",
                                                                "DELETE", "OPTIONS", "OTHER"};

// Family::Add is thread-safe and returns the same series for the same labels, so racing
// first uses agree; afterwards the cached pointer is read without a lock.
template <class Metric, class Make>
Metric& cached(std::atomic<Metric*>& slot, Make make) {
  Metric* series = slot.load(std::memory_order_acquire);
  if (series == nullptr) {
    series = &make();
    slot.store(series, std::memory_order_release);
  }
  return *series;
}

}  // namespace

http_metrics::http_metrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("kv_http_requests_total")
                    .Help("HTTP requests answered, by method, route template and status.")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("kv_http_request_duration_seconds")
                     .Help("Time from a request's arrival to the end of its response.")
                     .Register(registry)) {}

void http_metrics::record(std::optional<enum route> matched, method m, int status,
                          std::chrono::steady_clock::duration elapsed) {
  const std::size_t route_index = matched ? static_cast<std::size_t>(*matched) : route_count;
  const std::size_t method_index = static_cast<std::size_t>(m);
  const std::string_view path_template = matched ? template_of(*matched) : "unmatched";
  auto labels = [&] {
    return prometheus::Labels{{"method", method_names[method_index]},
                              {"route", std::string(path_template)}};
  };

  const auto known = std::find(statuses.begin(), statuses.end(), status);
  auto add_counter = [&]() -> prometheus::Counter& {
    auto with_status = labels();
    with_status.emplace("status", std::to_string(status));
    return requests_.Add(with_status);
  };
  if (known == statuses.end()) {
    add_counter().Increment();
  } else {
    const std::size_t slot = (route_index * method_labels + method_index) * statuses.size() +
                             static_cast<std::size_t>(known - statuses.begin());
    cached(request_series_[slot], add_counter).Increment();
  }

  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  cached(
      duration_series_[route_index * method_labels + method_index],
      [&]() -> auto& { return durations_.Add(labels(), buckets); })
      .Observe(std::chrono::duration<double>(elapsed).count());
}

}  // namespace kv::http
