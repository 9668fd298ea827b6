// The writer thread against a fake table: batches in rev order, a failed transaction retried
// after reconnecting with no row lost or written twice, a commit whose answer was lost, a table
// ahead of the node, and the drain at stop.
#include "sinks/changelog_sink.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

namespace kv::changelog {
namespace {

using namespace std::chrono_literals;

feed_event_ptr event(std::uint64_t rev) {
  return std::make_shared<const feed_event>(feed_event{"k", rev, "{}", {}});
}

// A table shared by every store the sink opens; failures are switched on from the test.
struct fake_table {
  std::mutex mutex;
  std::map<std::uint64_t, int> rows;  // rev -> times written (must stay 1)
  std::vector<rev_range> gaps;
  bool down = false;
  int fail_next_writes = 0;
  int commit_then_fail = 0;  // writes that commit and then report a failure
  int opens = 0;
  int transactions = 0;
  std::size_t largest_batch = 0;

  std::uint64_t last_rev() { return rows.empty() ? 0 : rows.rbegin()->first; }
};

class fake_store : public changelog_store {
 public:
  explicit fake_store(std::shared_ptr<fake_table> table) : table_(std::move(table)) {}
  std::uint64_t open() override {
    const std::lock_guard lock(table_->mutex);
    if (table_->down) throw std::runtime_error("connection refused");
    ++table_->opens;
    return table_->last_rev();
  }
  void write(const std::optional<rev_range>& gap, std::span<const feed_event_ptr> events) override {
    const std::lock_guard lock(table_->mutex);
    if (table_->down) throw std::runtime_error("server closed the connection");
    if (table_->fail_next_writes > 0) {
      --table_->fail_next_writes;
      throw std::runtime_error("deadlock detected");
    }
    std::uint64_t expected = table_->last_rev() + 1;
    if (gap) {
      EXPECT_EQ(gap->first, expected);
      table_->gaps.push_back(*gap);
      expected = gap->last + 1;
    }
    for (const auto& e : events) {
      EXPECT_EQ(e->rev, expected) << "rows must follow the table's last rev without a hole";
      ++expected;
      ++table_->rows[e->rev];
    }
    table_->largest_batch = std::max(table_->largest_batch, events.size());
    ++table_->transactions;
    if (table_->commit_then_fail > 0) {
      --table_->commit_then_fail;
      throw std::runtime_error("connection lost during COMMIT");
    }
  }
  std::string describe() const override { return "fake"; }

 private:
  std::shared_ptr<fake_table> table_;
};

struct SinkTest : ::testing::Test {
  std::shared_ptr<fake_table> table = std::make_shared<fake_table>();
  sink_options options() {
    sink_options o;
    o.retry_min = 5ms;
    o.retry_max = 20ms;
    o.diverged_retry = 20ms;
    o.batch_events = 100;
    return o;
  }
  std::shared_ptr<changelog_sink> make(sink_options o) {
    return std::make_shared<changelog_sink>(
        o, [t = table] { return std::make_unique<fake_store>(t); });
  }
  template <class Condition>
  bool eventually(Condition condition, std::chrono::milliseconds limit = 5s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      {
        const std::lock_guard lock(table->mutex);
        if (condition()) return true;
      }
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }
  void expect_each_row_once(std::uint64_t first, std::uint64_t last) {
    const std::lock_guard lock(table->mutex);
    for (std::uint64_t rev = first; rev <= last; ++rev) {
      ASSERT_EQ(table->rows[rev], 1) << "rev " << rev;
    }
  }
};

TEST_F(SinkTest, WritesEveryEventOnceInBatches) {
  auto sink = make(options());
  auto publisher = sink->make_publisher();
  sink->start(0);
  for (std::uint64_t rev = 1; rev <= 1000; ++rev) EXPECT_TRUE(publisher->publish(event(rev)));
  EXPECT_TRUE(eventually([&] { return table->last_rev() == 1000; }));
  EXPECT_TRUE(sink->stop(1s));
  expect_each_row_once(1, 1000);
  EXPECT_LE(table->largest_batch, 100u);
  EXPECT_EQ(sink->counters()->written.load(), 1000u);
  EXPECT_EQ(sink->counters()->lag(), 0u);
  EXPECT_TRUE(table->gaps.empty());
}

// Batches that are not full wait out the interval, so that what arrives meanwhile shares the
// next transaction; a stop does not wait for it.
TEST_F(SinkTest, ATransactionThatWasNotFullHoldsTheNextOneBack) {
  auto o = options();
  o.batch_interval = 10min;
  auto sink = make(o);
  sink->start(0);
  sink->offer(event(1));
  ASSERT_TRUE(eventually([&] { return table->last_rev() == 1; }));
  for (std::uint64_t rev = 2; rev <= 50; ++rev) sink->offer(event(rev));
  std::this_thread::sleep_for(100ms);
  {
    const std::lock_guard lock(table->mutex);
    EXPECT_EQ(table->last_rev(), 1u);
  }
  EXPECT_TRUE(sink->stop(5s));
  expect_each_row_once(1, 50);
  EXPECT_EQ(table->transactions, 2);
}

TEST_F(SinkTest, ADatabaseOutageLosesNothingWithinTheBacklog) {
  auto sink = make(options());
  sink->start(0);
  for (std::uint64_t rev = 1; rev <= 50; ++rev) sink->offer(event(rev));
  EXPECT_TRUE(eventually([&] { return table->last_rev() == 50; }));
  {
    const std::lock_guard lock(table->mutex);
    table->down = true;
  }
  for (std::uint64_t rev = 51; rev <= 500; ++rev) sink->offer(event(rev));
  std::this_thread::sleep_for(50ms);
  EXPECT_GT(sink->counters()->lag(), 0u);
  {
    const std::lock_guard lock(table->mutex);
    table->down = false;
  }
  EXPECT_TRUE(eventually([&] { return table->last_rev() == 500; }));
  EXPECT_TRUE(sink->stop(1s));
  expect_each_row_once(1, 500);
  EXPECT_TRUE(table->gaps.empty());
  EXPECT_GT(sink->counters()->failures.load(), 0u);
  EXPECT_EQ(sink->counters()->gap_events.load(), 0u);
}

TEST_F(SinkTest, ACommitWhoseAnswerWasLostIsNotWrittenTwice) {
  table->commit_then_fail = 3;
  table->fail_next_writes = 2;
  auto sink = make(options());
  sink->start(0);
  for (std::uint64_t rev = 1; rev <= 300; ++rev) sink->offer(event(rev));
  EXPECT_TRUE(eventually([&] { return table->last_rev() == 300; }));
  EXPECT_TRUE(sink->stop(1s));
  expect_each_row_once(1, 300);
}

TEST_F(SinkTest, AnOutageLongerThanTheBacklogIsRecordedAsOneGap) {
  auto o = options();
  o.limits.max_events = 100;
  auto sink = make(o);
  sink->start(0);
  {
    const std::lock_guard lock(table->mutex);
    table->down = true;
  }
  for (std::uint64_t rev = 1; rev <= 1000; ++rev) sink->offer(event(rev));
  EXPECT_EQ(sink->counters()->gap_events.load(), 900u);
  {
    const std::lock_guard lock(table->mutex);
    table->down = false;
  }
  EXPECT_TRUE(eventually([&] { return table->last_rev() == 1000; }));
  EXPECT_TRUE(sink->stop(1s));
  ASSERT_EQ(table->gaps.size(), 1u);
  EXPECT_EQ(table->gaps[0], (rev_range{1, 900}));
  expect_each_row_once(901, 1000);
  EXPECT_EQ(sink->counters()->gap_events.load(), 900u);
  EXPECT_EQ(sink->counters()->gaps_recorded.load(), 1u);
}

TEST_F(SinkTest, ATableAheadOfTheNodeIsLeftAlone) {
  {
    const std::lock_guard lock(table->mutex);
    table->rows[1] = 1;
    table->rows[2] = 1;
    table->rows[3] = 1;
  }
  auto sink = make(options());
  sink->start(1);  // an in-memory node restarted: its revs begin again
  sink->offer(event(2));
  EXPECT_TRUE(eventually([&] { return table->opens >= 2; }));
  {
    const std::lock_guard lock(table->mutex);
    EXPECT_EQ(table->rows[2], 1);  // not written again
  }
  EXPECT_GE(sink->counters()->failures.load(), 2u);
  EXPECT_FALSE(sink->counters()->connected.load());
  EXPECT_FALSE(sink->stop(50ms));
  EXPECT_EQ(table->rows.size(), 3u);
}

TEST_F(SinkTest, StopGivesUpAfterItsGraceWhenTheDatabaseIsDown) {
  {
    const std::lock_guard lock(table->mutex);
    table->down = true;
  }
  auto sink = make(options());
  sink->start(0);
  sink->offer(event(1));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(sink->stop(100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(SinkTest, StopWritesWhatWaitsFirst) {
  auto sink = make(options());
  sink->start(0);
  for (std::uint64_t rev = 1; rev <= 2000; ++rev) sink->offer(event(rev));
  EXPECT_TRUE(sink->stop(5s));
  EXPECT_EQ(table->last_rev(), 2000u);
}

}  // namespace
}  // namespace kv::changelog
