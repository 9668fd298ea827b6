// The actors through store_api, as the transports use them: routing, compare-and-swap,
// batches, paged listing across partitions, and per-partition stats.
#include "actors/store_runtime.hpp"

#include <gtest/gtest.h>

#include <future>

#include "tests/actors/store_calls.hpp"

namespace kv {
namespace {

class StoreRuntimeTest : public ::testing::Test {
 protected:
  explicit StoreRuntimeTest(routing_table table = routing_table::from_split_points({"g", "n", "t"}))
      : runtime_(
            {std::move(table), 2, 2, std::chrono::milliseconds(5000), std::nullopt, std::nullopt}),
        store_(runtime_.api()) {}

  put_outcome put(const std::string& key, const std::string& value,
                  std::optional<std::uint64_t> expected = std::nullopt) {
    return *await<put_outcome>([&](auto done) {
      store_.put(key, text(value), value_type::bytes, expected, std::move(done));
    });
  }
  stored_value get(const std::string& key) {
    return *await<stored_value>([&](auto done) { store_.get(key, std::move(done)); });
  }
  list_page list(scan_query query) {
    return *await<list_page>([&](auto done) { store_.list(std::move(query), std::move(done)); });
  }

  store_runtime runtime_;
  store_api store_;
};

std::vector<std::string> keys_of(const list_page& page) {
  std::vector<std::string> keys;
  for (const auto& item : page.items) keys.push_back(item.key);
  return keys;
}

TEST_F(StoreRuntimeTest, WritesAndReadsAcrossPartitions) {
  for (const char* key : {"apple", "grape", "nut", "tomato"}) {
    EXPECT_TRUE(put(key, std::string("v-") + key).created);
  }
  for (const char* key : {"apple", "grape", "nut", "tomato"}) {
    const auto found = get(key);
    ASSERT_TRUE(found.value) << key;
    EXPECT_EQ(found.value.view(), std::string("v-") + key);
    EXPECT_EQ(found.version, 1u);
  }
  EXPECT_FALSE(get("missing").value);
}

TEST_F(StoreRuntimeTest, CompareAndSwapThroughTheRouter) {
  EXPECT_EQ(put("k", "a", 0).status, write_status::ok);
  EXPECT_EQ(put("k", "b", 0).status, write_status::conflict);
  EXPECT_EQ(put("k", "b", 1).version, 2u);
  const auto stale = *await<delete_outcome>([&](auto done) { store_.erase("k", 1, done); });
  EXPECT_EQ(stale.status, write_status::conflict);
  EXPECT_EQ(stale.current_version, 2u);
  const auto gone = *await<delete_outcome>([&](auto done) { store_.erase("k", 2, done); });
  EXPECT_TRUE(gone.deleted);
  EXPECT_EQ(put("k", "c").version, 1u);
}

TEST_F(StoreRuntimeTest, BatchWritesReachEveryPartition) {
  key_value_list pairs;
  for (const char* key : {"a", "h", "o", "u", "b"}) pairs.emplace_back(key, text(key));
  const auto written =
      await<std::size_t>([&](auto done) { store_.put_all(std::move(pairs), done); });
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, 5u);
  EXPECT_EQ(get("u").value.view(), "u");

  const auto partitions =
      *await<std::vector<partition_info>>([&](auto done) { store_.partitions(done); });
  ASSERT_EQ(partitions.size(), 4u);
  EXPECT_EQ(partitions[0].keys, 2u);  // a, b
  EXPECT_EQ(partitions[1].keys, 1u);
  EXPECT_EQ(partitions[2].keys, 1u);
  EXPECT_EQ(partitions[3].keys, 1u);
  EXPECT_EQ(partitions[0].bytes, 4u);
  EXPECT_EQ(partitions[1].range.start, "g");
  EXPECT_EQ(partitions[1].range.end, "n");
  EXPECT_FALSE(partitions[3].range.end);
}

TEST_F(StoreRuntimeTest, ListPagesThroughAllPartitionsInOrder) {
  std::vector<std::string> expected;
  for (char first = 'a'; first <= 'z'; ++first) {
    for (int i = 0; i < 4; ++i) {
      const std::string key = std::string(1, first) + std::to_string(i);
      put(key, key);
      expected.push_back(key);
    }
  }
  std::vector<std::string> seen;
  scan_query query;
  query.limit = 7;
  for (int pages = 0; pages < 100; ++pages) {
    const auto page = list(query);
    const auto keys = keys_of(page);
    EXPECT_LE(keys.size(), 7u);
    seen.insert(seen.end(), keys.begin(), keys.end());
    if (!page.next) break;
    EXPECT_EQ(*page.next, keys.back());
    query.after = page.next;
  }
  EXPECT_EQ(seen, expected);
}

TEST_F(StoreRuntimeTest, ListWithPrefixSuffixAndExactLimit) {
  for (const char* key : {"m1", "m2", "n1", "n2", "n3x", "o1"}) put(key, key);
  scan_query query;
  query.prefix = "n";
  EXPECT_EQ(keys_of(list(query)), (std::vector<std::string>{"n1", "n2", "n3x"}));
  query.prefix = "";
  query.suffix = "1";
  EXPECT_EQ(keys_of(list(query)), (std::vector<std::string>{"m1", "n1", "o1"}));
  // A page that ends exactly at the last match has no next cursor.
  query.suffix = "";
  query.limit = 6;
  const auto page = list(query);
  EXPECT_EQ(page.items.size(), 6u);
  EXPECT_FALSE(page.next);
  query.limit = 5;
  EXPECT_EQ(list(query).next, "n3x");
}

TEST_F(StoreRuntimeTest, ListWithValuesSharesThem) {
  put("k", "value");
  scan_query query;
  query.with_values = true;
  const auto page = list(query);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].value.view(), "value");
  EXPECT_EQ(page.items[0].version, 1u);
}

TEST_F(StoreRuntimeTest, ByteBudgetCutsAPageAndLeavesACursor) {
  for (const char* key : {"a", "h", "o"}) put(key, std::string(100, 'v'));
  scan_query query;
  query.with_values = true;
  query.byte_budget = 150;
  const auto page = list(query);
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"a", "h"}));
  EXPECT_EQ(page.next, "h");
}

TEST_F(StoreRuntimeTest, ConcurrentWritersFromManyThreadsLoseNothing) {
  constexpr int threads = 8;
  constexpr int writes = 200;
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([this, t] {
      for (int i = 0; i < writes; ++i) put("shared", "x"), put("own" + std::to_string(t), "y");
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(get("shared").version, static_cast<std::uint64_t>(threads * writes));
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(get("own" + std::to_string(t)).version, static_cast<std::uint64_t>(writes));
  }
}

// A batch sends one message per partition; each call still completes on its own, and a
// partition applies a batch's calls, and calls sent before it, in order.
TEST_F(StoreRuntimeTest, BatchAppliesCallsPerPartitionInOrder) {
  store_api::batch batch(store_);
  std::vector<std::promise<std::string>> answers(6);
  batch.put("apple", text("1"), value_type::bytes, std::nullopt, 0,
            [&](std::optional<put_outcome> outcome) {
              answers[0].set_value(outcome ? std::to_string(outcome->version) : "none");
            });
  batch.get("apple", [&](std::optional<read_value> found) {
    answers[1].set_value(found && found->value ? std::string(found->value.view()) : "absent");
  });
  batch.put("tomato", text("2"), value_type::bytes, 0, 0, [&](std::optional<put_outcome> outcome) {
    answers[2].set_value(outcome && outcome->status == write_status::ok ? "ok" : "conflict");
  });
  typed_operation incr;
  incr.amount = "5";
  batch.operate("apple-count", incr, std::nullopt, 1024,
                [&](std::optional<operation_outcome> outcome) {
                  answers[3].set_value(outcome ? std::string(outcome->value.view()) : "none");
                });
  batch.erase("apple", std::nullopt, [&](std::optional<delete_outcome> outcome) {
    answers[4].set_value(outcome && outcome->deleted ? "deleted" : "kept");
  });
  batch.change_expiry("tomato", 60, std::nullopt, [&](std::optional<expiry_outcome> outcome) {
    answers[5].set_value(outcome && outcome->changed ? "expires" : "no");
  });
  EXPECT_EQ(batch.size(), 6u);
  batch.submit();
  EXPECT_EQ(batch.size(), 0u);
  const std::vector<std::string> expected = {"1", "1", "ok", "5", "deleted", "expires"};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].get_future().get(), expected[i]) << i;
  }
  EXPECT_FALSE(get("apple").value);
}

TEST_F(StoreRuntimeTest, BatchSubmittedAfterASingleCallComesAfterIt) {
  store_.put("grape", text("first"), value_type::bytes, std::nullopt, [](auto) {});
  store_api::batch batch(store_);
  std::promise<std::string> seen;
  batch.get("grape", [&](std::optional<read_value> found) {
    seen.set_value(found && found->value ? std::string(found->value.view()) : "absent");
  });
  batch.get("grape", [](auto) {});
  batch.submit();
  EXPECT_EQ(seen.get_future().get(), "first");
}

// Redis's rules: an operation that changes nothing writes nothing.
TEST_F(StoreRuntimeTest, UnchangedRedisOperationWritesNothing) {
  typed_operation add;
  add.kind = operation_kind::sadd;
  add.type = value_type::set;
  add.names = {"a", "b"};
  add.redis_rules = true;
  auto operate = [&](const std::string& key, const typed_operation& op) {
    return *await<operation_outcome>(
        [&](auto done) { store_.operate(key, op, std::nullopt, 1024, std::move(done)); });
  };
  EXPECT_EQ(operate("set", add).changed, 2u);
  const auto again = operate("set", add);
  EXPECT_EQ(again.changed, 0u);
  EXPECT_EQ(again.version, 1u);
  EXPECT_EQ(get("set").version, 1u);
  typed_operation remove = add;
  remove.kind = operation_kind::srem;
  const auto missing = operate("absent", remove);
  EXPECT_EQ(missing.changed, 0u);
  EXPECT_FALSE(get("absent").value);
}

}  // namespace
}  // namespace kv
