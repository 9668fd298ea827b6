// When to log failed log writes, and with what counts: a full disk fails every write, so they
// are summed and logged at most once per interval, each line with its interval's count.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace kv {

class failed_write_report {
 public:
  using clock = std::chrono::steady_clock;

  // What one log line reports: `failed` writes in the `span` before it, `total` since start.
  struct line {
    std::uint64_t failed = 0;
    clock::duration span{};
    std::uint64_t total = 0;
  };

  explicit failed_write_report(clock::duration interval) : interval_(interval) {}

  void count(std::uint64_t failed, clock::time_point now);
  // The line to log now: failures not logged yet, and no line in the last interval. The first
  // failure after a quiet interval is logged at once.
  std::optional<line> take_due(clock::time_point now);
  // When failures not logged yet will be due: a timer must fire then, or the last of a burst
  // would never be logged.
  std::optional<clock::time_point> next_due() const;

 private:
  clock::duration interval_;
  std::uint64_t unlogged_ = 0;
  std::uint64_t total_ = 0;
  clock::time_point first_unlogged_{};
  std::optional<clock::time_point> last_line_;
};

}  // namespace kv
