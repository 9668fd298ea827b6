// The change feed through store_runtime, as the transports use it: which writes make events,
// revs and seqs, prefix watches, resumption (replay, pages, reset), watchers that fall behind
// or lose their client, draining, and publishers on their own thread.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "actors/store_runtime.hpp"
#include "tests/actors/store_calls.hpp"

namespace kv {
namespace {

using namespace std::chrono_literals;

// Polls `condition` until it holds or 5 s pass; the bound only keeps a broken test from hanging.
template <class Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A watch stream's client: records what the watcher writes. A reading client completes every
// write at once; a stalled one never does.
class recording_output : public watch_output {
 public:
  explicit recording_output(bool reads = true) : reads_(reads) {}

  void send_events(const std::vector<feed_event_ptr>& events,
                   std::function<void()> written) override {
    std::lock_guard lock(mutex_);
    events_.insert(events_.end(), events.begin(), events.end());
    complete(std::move(written));
  }
  void send_reset(std::uint64_t rev, std::uint64_t oldest_rev,
                  std::function<void()> written) override {
    std::lock_guard lock(mutex_);
    resets_.push_back({rev, oldest_rev, events_.size()});
    complete(std::move(written));
  }
  void send_position(std::uint64_t rev, std::function<void()> written) override {
    std::lock_guard lock(mutex_);
    positions_.push_back({rev, events_.size()});
    complete(std::move(written));
  }
  void send_heartbeat(std::function<void()> written) override {
    std::lock_guard lock(mutex_);
    ++heartbeats_;
    complete(std::move(written));
  }
  bool connected() const override { return connected_; }
  void finish() override { finished_ = true; }
  void disconnect() override { disconnected_ = true; }

  void hang_up() { connected_ = false; }

  std::vector<std::uint64_t> revs() const {
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> out;
    for (const auto& event : events_) out.push_back(event->rev);
    return out;
  }
  std::vector<nlohmann::json> events() const {
    std::lock_guard lock(mutex_);
    std::vector<nlohmann::json> out;
    for (const auto& event : events_) out.push_back(nlohmann::json::parse(event->json));
    return out;
  }
  struct reset {
    std::uint64_t rev, oldest_rev;
    std::size_t events_before;
  };
  std::vector<reset> resets() const {
    std::lock_guard lock(mutex_);
    return resets_;
  }
  struct position {
    std::uint64_t rev;
    std::size_t events_before;
    bool operator==(const position&) const = default;
  };
  std::vector<position> positions() const {
    std::lock_guard lock(mutex_);
    return positions_;
  }
  int heartbeats() const {
    std::lock_guard lock(mutex_);
    return heartbeats_;
  }
  bool finished() const { return finished_; }
  bool disconnected() const { return disconnected_; }

 private:
  void complete(std::function<void()> written) {
    if (reads_ && written) written();
  }

  const bool reads_;
  mutable std::mutex mutex_;
  std::vector<feed_event_ptr> events_;
  std::vector<reset> resets_;
  std::vector<position> positions_;
  int heartbeats_ = 0;
  std::atomic<bool> connected_{true};
  std::atomic<bool> finished_{false};
  std::atomic<bool> disconnected_{false};
};

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t rev = first; rev <= last; ++rev) out.push_back(rev);
  return out;
}

class BrokerTest : public ::testing::Test {
 protected:
  explicit BrokerTest(feed_options feed = {})
      : runtime_({routing_table::from_split_points({"g", "n", "t"}), 2, 2, 5000ms, std::nullopt,
                  std::nullopt},
                 feed),
        store_(runtime_.api()),
        feed_(runtime_.feed()) {}

  put_outcome put(const std::string& key, const std::string& value,
                  std::optional<std::uint64_t> expected = std::nullopt) {
    return *await<put_outcome>([&](auto done) {
      store_.put(key, text(value), value_type::bytes, expected, std::move(done));
    });
  }
  delete_outcome erase(const std::string& key,
                       std::optional<std::uint64_t> expected = std::nullopt) {
    return *await<delete_outcome>([&](auto done) { store_.erase(key, expected, std::move(done)); });
  }
  void put_all(const std::vector<std::string>& keys) {
    key_value_list pairs;
    for (const auto& key : keys) pairs.emplace_back(key, text("batch"));
    ASSERT_EQ(await<std::size_t>([&](auto done) { store_.put_all(pairs, std::move(done)); }),
              keys.size());
  }
  void put_many(int count, const std::string& prefix = "k") {
    for (int i = 0; i < count; ++i) put(prefix + std::to_string(i), "v");
  }

  std::shared_ptr<recording_output> watch(std::string prefix,
                                          std::optional<std::uint64_t> after = std::nullopt,
                                          bool reads = true) {
    auto output = std::make_shared<recording_output>(reads);
    feed_.watch({std::move(prefix), after}, output);
    // The watch is registered once the broker counts it; writes after that reach it.
    const std::int64_t registered = ++watches_opened_;
    EXPECT_TRUE(eventually([&] { return counters().watches.load() >= registered; }));
    return output;
  }

  const feed_counters& counters() const { return *feed_.counters(); }

  store_runtime runtime_;
  store_api store_;
  feed_api feed_;
  std::int64_t watches_opened_ = 0;
};

TEST_F(BrokerTest, EveryAppliedWriteIsOneEventAndNothingElseIs) {
  const auto all = watch("");
  put("apple", "1");                                               // put, created
  put("apple", "2");                                               // put, overwrite
  EXPECT_EQ(put("apple", "x", 7).status, write_status::conflict);  // CAS conflict: no event
  put("apple", "3", 2);                                            // CAS put
  put_all({"grape", "tomato"});                                    // batch: one event per pair
  EXPECT_FALSE(erase("missing").deleted);                          // delete of a missing key
  EXPECT_EQ(erase("apple", 1).status, write_status::conflict);     // delete CAS conflict
  EXPECT_TRUE(erase("apple").deleted);

  ASSERT_TRUE(eventually([&] { return all->revs().size() >= 6; }));
  std::this_thread::sleep_for(50ms);  // room for any event that should not be there
  EXPECT_EQ(all->revs(), range(1, 6));
  auto events = all->events();
  ASSERT_EQ(events.size(), 6u);
  // The batch spans two partitions, which apply their halves in either order.
  if (events[3]["key"] == "tomato") std::swap(events[3], events[4]);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"put", "apple"}, {"put", "apple"},  {"put", "apple"},
      {"put", "grape"}, {"put", "tomato"}, {"delete", "apple"}};
  std::map<std::uint64_t, std::uint64_t> last_seq;  // per partition
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(events[i].dump());
    EXPECT_EQ(events[i]["op"], expected[i].first);
    EXPECT_EQ(events[i]["key"], expected[i].second);
    const std::uint64_t partition = events[i]["partition"];
    EXPECT_EQ(events[i]["seq"], ++last_seq[partition]);
    EXPECT_GT(events[i]["ts_ms"].get<std::int64_t>(), 1600000000000);
  }
  EXPECT_EQ(events[0]["version"], 1);
  EXPECT_EQ(events[0]["value"], "MQ==");
  EXPECT_EQ(events[2]["version"], 3);
  EXPECT_EQ(events[5]["version"], 3);  // the version the key had when deleted
  EXPECT_FALSE(events[5].contains("value"));
  EXPECT_EQ(last_seq[0], 4u);  // apple x3 and the delete, in partition 0 ("" .. "g")
  EXPECT_EQ(counters().events.load(), 6u);
}

// A partition sends the changes of a batch of calls in one message, before their answers: a
// watch opened on a write's answer starts past that write, as after a write of its own.
TEST_F(BrokerTest, AWatchOpenedOnABatchedWritesAnswerStartsPastIt) {
  store_api::batch batch(store_);
  const auto opened = std::make_shared<recording_output>();
  std::promise<void> answered;
  for (int i = 1; i <= 5; ++i) {  // all in partition 0 ("" .. "g")
    batch.put("apple" + std::to_string(i), text("v"), value_type::bytes, std::nullopt, 0,
              [&, i](std::optional<put_outcome>) {
                if (i != 5) return;
                feed_.watch({"", std::nullopt}, opened);
                answered.set_value();
              });
  }
  batch.submit();
  answered.get_future().wait();
  ASSERT_TRUE(eventually([&] { return !opened->positions().empty(); }));
  EXPECT_EQ(opened->positions().front().rev, 5u);
  put("later", "v");
  ASSERT_TRUE(eventually([&] { return !opened->revs().empty(); }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(opened->revs(), (std::vector<std::uint64_t>{6}));
}

TEST_F(BrokerTest, APrefixWatchGetsOnlyItsKeys) {
  const auto users = watch("user:");
  put("user:1", "a");
  put("order:1", "b");
  put("user:2", "c");
  put("use", "d");
  ASSERT_TRUE(eventually([&] { return users->revs().size() >= 2; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(users->revs(), (std::vector<std::uint64_t>{1, 3}));
}

// So that a client that loses the stream before its first event can resume from there.
TEST_F(BrokerTest, ANewWatchFirstGetsTheNewestRevThenTheEventsAfterIt) {
  put_many(3);
  const auto fresh = watch("");
  put("later", "v");
  ASSERT_TRUE(eventually([&] { return !fresh->revs().empty(); }));
  EXPECT_EQ(fresh->positions(), (std::vector<recording_output::position>{{3, 0}}));
  EXPECT_EQ(fresh->revs(), (std::vector<std::uint64_t>{4}));
}

TEST_F(BrokerTest, AResumedWatchGetsNoPositionOfItsOwn) {
  put_many(3);
  const auto resumed = watch("", 1);
  ASSERT_TRUE(eventually([&] { return resumed->revs().size() >= 2; }));
  EXPECT_TRUE(resumed->positions().empty());
}

TEST_F(BrokerTest, ResumeReplaysWhatFollowsThenLiveEvents) {
  put_many(5);
  const auto resumed = watch("", 2);
  ASSERT_TRUE(eventually([&] { return resumed->revs().size() >= 3; }));
  put("later", "v");
  ASSERT_TRUE(eventually([&] { return resumed->revs().size() >= 4; }));
  EXPECT_EQ(resumed->revs(), range(3, 6));
  EXPECT_TRUE(resumed->resets().empty());
}

TEST_F(BrokerTest, ResumeFromTheNewestRevReplaysNothing) {
  put_many(3);
  const auto resumed = watch("", 3);
  put("later", "v");
  ASSERT_TRUE(eventually([&] { return !resumed->revs().empty(); }));
  EXPECT_EQ(resumed->revs(), (std::vector<std::uint64_t>{4}));
  EXPECT_TRUE(resumed->resets().empty());
}

// A replay of many pages while writers keep going: every event exactly once, in order.
TEST_F(BrokerTest, ResumeAcrossManyPagesUnderConcurrentWritesMissesAndRepeatsNothing) {
  put_many(2500);
  std::thread writer([&] { put_many(500, "w"); });
  const auto resumed = watch("", 0);
  writer.join();
  ASSERT_TRUE(eventually([&] { return resumed->revs().size() >= 3000; }));
  EXPECT_EQ(resumed->revs(), range(1, 3000));
}

class SmallHistoryTest : public BrokerTest {
 protected:
  SmallHistoryTest() : BrokerTest(feed_options{3, 1 << 20}) {}
};

TEST_F(SmallHistoryTest, ResumeFromBeforeTheHistoryStartsWithAReset) {
  put_many(5);  // keeps revs 3..5
  const auto resumed = watch("", 1);
  ASSERT_TRUE(eventually([&] { return !resumed->resets().empty(); }));
  put("later", "v");
  ASSERT_TRUE(eventually([&] { return !resumed->revs().empty(); }));
  const auto resets = resumed->resets();
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0].rev, 5u);
  EXPECT_EQ(resets[0].oldest_rev, 3u);
  EXPECT_EQ(resets[0].events_before, 0u);
  EXPECT_EQ(resumed->revs(), (std::vector<std::uint64_t>{6}));
}

TEST_F(SmallHistoryTest, ResumeFromTheOldestRetainedNeedsNoReset) {
  put_many(5);
  const auto resumed = watch("", 2);
  ASSERT_TRUE(eventually([&] { return resumed->revs().size() >= 3; }));
  EXPECT_EQ(resumed->revs(), range(3, 5));
  EXPECT_TRUE(resumed->resets().empty());
}

TEST_F(SmallHistoryTest, ResumeFromARevNeverPublishedStartsWithAReset) {
  put_many(2);
  const auto resumed = watch("", 99);  // a client of an earlier run of the node
  ASSERT_TRUE(eventually([&] { return !resumed->resets().empty(); }));
  EXPECT_EQ(resumed->resets()[0].rev, 2u);
}

class SlowWatcherTest : public BrokerTest {
 protected:
  SlowWatcherTest() : BrokerTest(slow_options()) {}
  static feed_options slow_options() {
    feed_options options;
    options.watch_queue_events = 5;
    options.liveness_interval = 20ms;
    options.heartbeat_interval = 100ms;
    return options;
  }
};

TEST_F(SlowWatcherTest, AWatcherWhoseClientStopsReadingIsCutWhileWritersGoOn) {
  const auto stalled = watch("", std::nullopt, /*reads=*/false);
  put_many(20);  // each put completes: writers never wait for the stalled client
  ASSERT_TRUE(eventually([&] { return stalled->disconnected(); }));
  EXPECT_TRUE(eventually([&] { return counters().watches.load() == 0; }));
  EXPECT_EQ(counters().watches_cut.load(), 1u);
  EXPECT_FALSE(stalled->finished());
  // The one write it never took: the stream's starting position.
  EXPECT_EQ(stalled->positions(), (std::vector<recording_output::position>{{0, 0}}));
  EXPECT_TRUE(stalled->revs().empty());
}

// A client whose first write holds its watcher's thread until released: the watcher handles no
// other message meanwhile, as when the scheduler has not got round to it under load.
class held_output : public recording_output {
 public:
  void send_position(std::uint64_t rev, std::function<void()> written) override {
    released_.wait();
    recording_output::send_position(rev, std::move(written));
  }
  // Idempotent, so that a test can release on every way out: a watcher left waiting would hold
  // the actor system's shutdown.
  void release() {
    std::call_once(released_once_, [this] { release_.set_value(); });
  }

 private:
  std::once_flag released_once_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

TEST_F(SlowWatcherTest, AWatcherThatDoesNotRunIsCutBeforeEventsPileUpInItsMailbox) {
  const auto held = std::make_shared<held_output>();
  const std::shared_ptr<void> release_on_exit(nullptr, [&held](void*) { held->release(); });
  feed_.watch({"", std::nullopt}, held);
  ASSERT_TRUE(eventually([&] { return counters().watches.load() == 1; }));
  put_many(20);
  // The broker stops sending once the queue's five are out, without waiting for the watcher.
  EXPECT_TRUE(eventually([&] { return counters().watches_cut.load() == 1; }));
  held->release();
  ASSERT_TRUE(eventually([&] { return held->disconnected(); }));
  EXPECT_TRUE(eventually([&] { return counters().watches.load() == 0; }));
  EXPECT_EQ(counters().watches_cut.load(), 1u);
  EXPECT_LE(held->revs().size(), 5u);
}

TEST_F(SlowWatcherTest, AWatcherWhoseClientHasGoneIsForgottenWithoutCountingADrop) {
  const auto gone = watch("");
  gone->hang_up();
  EXPECT_TRUE(eventually([&] { return counters().watches.load() == 0; }));
  EXPECT_EQ(counters().watches_cut.load(), 0u);
  EXPECT_FALSE(gone->disconnected());
}

TEST_F(SlowWatcherTest, AnIdleStreamGetsHeartbeats) {
  const auto idle = watch("");
  EXPECT_TRUE(eventually([&] { return idle->heartbeats() >= 2; }));
}

TEST_F(BrokerTest, CloseWatchesFinishesEveryStreamAndAnyOpenedLater) {
  const auto first = watch("a");
  const auto second = watch("");
  feed_.close_watches();
  EXPECT_TRUE(eventually([&] { return first->finished() && second->finished(); }));
  EXPECT_TRUE(eventually([&] { return counters().watches.load() == 0; }));
  auto late = std::make_shared<recording_output>();
  feed_.watch({"", std::nullopt}, late);
  EXPECT_TRUE(eventually([&] { return late->finished(); }));
}

// Records every event, and whether a call began while another was running; refuses every
// third event.
class recording_publisher : public event_publisher {
 public:
  struct log {
    std::mutex mutex;
    std::vector<std::uint64_t> revs;
    std::atomic<bool> in_call{false};
    std::atomic<int> overlapping_calls{0};
  };
  explicit recording_publisher(std::shared_ptr<log> log) : log_(std::move(log)) {}
  bool publish(const feed_event_ptr& event) override {
    if (log_->in_call.exchange(true)) ++log_->overlapping_calls;
    // Long enough for a second call, were one made, to begin meanwhile.
    std::this_thread::sleep_for(1ms);
    const bool taken = record(event->rev);
    log_->in_call.store(false);
    return taken;
  }

 private:
  bool record(std::uint64_t rev) {
    std::lock_guard lock(log_->mutex);
    if (rev % 3 == 0) return false;
    log_->revs.push_back(rev);
    return true;
  }

  std::shared_ptr<log> log_;
};

TEST_F(BrokerTest, APublisherGetsEveryEventInOrderOneCallAtATimeAndDropsAreCounted) {
  auto log = std::make_shared<recording_publisher::log>();
  feed_.add_publisher([log] { return std::make_unique<recording_publisher>(log); });
  put_many(9);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(log->mutex);
    return log->revs.size() >= 6 && counters().publisher_dropped.load() >= 3;
  }));
  std::lock_guard lock(log->mutex);
  EXPECT_EQ(log->revs, (std::vector<std::uint64_t>{1, 2, 4, 5, 7, 8}));
  EXPECT_EQ(counters().publisher_dropped.load(), 3u);
  EXPECT_EQ(log->overlapping_calls.load(), 0);
}

TEST_F(BrokerTest, APublisherThatCannotStartFailsAddPublisher) {
  EXPECT_THROW(feed_.add_publisher([]() -> std::unique_ptr<event_publisher> {
    throw std::runtime_error("in use");
  }),
               std::runtime_error);
  put("k", "v");  // the feed carries on without it
  EXPECT_TRUE(eventually([&] { return counters().events.load() == 1; }));
}

}  // namespace
}  // namespace kv
