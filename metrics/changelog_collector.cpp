// Every family has its series from the first scrape, so that rate() and alerts work before the
// first gap or failure.
#include "metrics/changelog_collector.hpp"

#include "metrics/series.hpp"

namespace kv::metrics {

changelog_collector::changelog_collector(
    std::shared_ptr<const changelog::changelog_counters> counters)
    : counters_(std::move(counters)) {}

std::vector<prometheus::MetricFamily> changelog_collector::Collect() const {
  using prometheus::MetricType;
  const auto& c = *counters_;
  const auto gauge = [](double value) { return series(value, MetricType::Gauge); };
  const auto counter = [](double value) { return series(value, MetricType::Counter); };
  return {
      {"kv_changelog_lag_events",
       "Events the node published that the kv_changes table does not hold yet (those lost to a "
       "gap count until the gap is recorded).",
       MetricType::Gauge,
       {gauge(static_cast<double>(c.lag()))}},
      {"kv_changelog_backlog_events",
       "Events waiting in memory to be written to kv_changes (at most "
       "changelog.max_backlog_events).",
       MetricType::Gauge,
       {gauge(read(c.waiting))}},
      {"kv_changelog_table_rev",
       "The last rev in kv_changes, as last read or written.",
       MetricType::Gauge,
       {gauge(read(c.table_rev))}},
      {"kv_changelog_connected",
       "1 while the change log has a working connection to PostgreSQL.",
       MetricType::Gauge,
       {gauge(c.connected.load(std::memory_order_relaxed) ? 1 : 0)}},
      {"kv_changelog_written_events_total",
       "Events written to kv_changes (committed).",
       MetricType::Counter,
       {counter(read(c.written))}},
      {"kv_changelog_transactions_total",
       "Transactions committed to kv_changes.",
       MetricType::Counter,
       {counter(read(c.batches))}},
      {"kv_changelog_gap_events_total",
       "Events that will never be in kv_changes: dropped from a full backlog, or published "
       "while no change log ran (before a restart with the log behind). Each gap is a row of "
       "kv_changes_gaps.",
       MetricType::Counter,
       {counter(read(c.gap_events))}},
      {"kv_changelog_gaps_total",
       "Gaps recorded in kv_changes_gaps.",
       MetricType::Counter,
       {counter(read(c.gaps_recorded))}},
      {"kv_changelog_failures_total",
       "Failed connection attempts and transactions of the change log (each retried).",
       MetricType::Counter,
       {counter(read(c.failures))}},
  };
}

}  // namespace kv::metrics
