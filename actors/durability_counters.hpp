// What the partitions' logs have done, counted with atomics by the actors and their io threads
// and read by the metrics at scrape time, so that counting takes no lock and no message.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace kv {

struct durability_counters {
  // Upper bounds of the fsync duration buckets, in seconds: an fsync on an idle disk takes a
  // few hundred microseconds, one behind other writers up to seconds.
  static constexpr std::array<double, 12> fsync_bounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};

  // fsyncs per bucket, not cumulative; the last one counts those above every bound.
  std::array<std::atomic<std::uint64_t>, fsync_bounds.size() + 1> fsyncs{};
  std::atomic<std::uint64_t> fsync_nanoseconds{0};
  std::atomic<std::uint64_t> bytes_written{0};  // log records handed to the OS
  std::atomic<std::uint64_t> writes_failed{0};  // writes answered 503 because the log failed
  std::atomic<std::uint64_t> snapshots_written{0};
  std::atomic<std::uint64_t> snapshots_failed{0};

  void count_fsync(std::chrono::nanoseconds took) {
    const double seconds = std::chrono::duration<double>(took).count();
    std::size_t bucket = 0;
    while (bucket < fsync_bounds.size() && seconds > fsync_bounds[bucket]) ++bucket;
    fsyncs[bucket].fetch_add(1, std::memory_order_relaxed);
    fsync_nanoseconds.fetch_add(static_cast<std::uint64_t>(took.count()),
                                std::memory_order_relaxed);
  }
};

}  // namespace kv
