// Summing failed log writes between log lines, at most one line per interval.
#include "actors/failed_write_report.hpp"

namespace kv {

void failed_write_report::count(std::uint64_t failed, clock::time_point now) {
  if (failed == 0) return;
  if (unlogged_ == 0) first_unlogged_ = now;
  unlogged_ += failed;
  total_ += failed;
}

std::optional<failed_write_report::line> failed_write_report::take_due(clock::time_point now) {
  const auto due = next_due();
  if (!due || now < *due) return std::nullopt;
  // A line in the interval before the first of these failures began their span; else they did.
  const clock::time_point since =
      last_line_ && first_unlogged_ - *last_line_ < interval_ ? *last_line_ : first_unlogged_;
  const line logged{unlogged_, now - since, total_};
  unlogged_ = 0;
  last_line_ = now;
  return logged;
}

std::optional<failed_write_report::clock::time_point> failed_write_report::next_due() const {
  if (unlogged_ == 0) return std::nullopt;
  if (!last_line_ || first_unlogged_ - *last_line_ >= interval_) return first_unlogged_;
  return *last_line_ + interval_;
}

}  // namespace kv
