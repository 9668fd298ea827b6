// One partition's data: versions, compare-and-swap, byte accounting, ordered scans, and the
// hash index agreeing with the ordered map through any sequence of writes.
#include "core/partition_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace kv {
namespace {

shared_bytes text(std::string s) {
  return shared_bytes::copy_of(s);
}

std::vector<std::string> keys_of(const scan_page& page) {
  std::vector<std::string> keys;
  for (const auto& item : page.items) keys.push_back(item.key);
  return keys;
}

TEST(PartitionStoreTest, VersionsCountWritesAndRestartAfterDelete) {
  partition_store store;
  EXPECT_EQ(store.get("k"), nullptr);
  auto first = store.put("k", text("a"), std::nullopt);
  EXPECT_EQ(first.version, 1u);
  EXPECT_TRUE(first.created);
  auto second = store.put("k", text("b"), std::nullopt);
  EXPECT_EQ(second.version, 2u);
  EXPECT_FALSE(second.created);
  ASSERT_NE(store.get("k"), nullptr);
  EXPECT_EQ(store.get("k")->value.view(), "b");
  EXPECT_EQ(store.get("k")->version, 2u);

  EXPECT_TRUE(store.erase("k", std::nullopt).deleted);
  EXPECT_FALSE(store.erase("k", std::nullopt).deleted);
  EXPECT_EQ(store.put("k", text("c"), std::nullopt).version, 1u);
}

TEST(PartitionStoreTest, CompareAndSwapOnPut) {
  partition_store store;
  // 0 means "only if absent".
  EXPECT_EQ(store.put("k", text("a"), 0).status, write_status::ok);
  const auto again = store.put("k", text("b"), 0);
  EXPECT_EQ(again.status, write_status::conflict);
  EXPECT_EQ(again.version, 1u);
  EXPECT_EQ(store.get("k")->value.view(), "a");

  EXPECT_EQ(store.put("k", text("b"), 1).version, 2u);
  const auto stale = store.put("k", text("c"), 1);
  EXPECT_EQ(stale.status, write_status::conflict);
  EXPECT_EQ(stale.version, 2u);
  const auto absent = store.put("other", text("x"), 5);
  EXPECT_EQ(absent.status, write_status::conflict);
  EXPECT_EQ(absent.version, 0u);
  EXPECT_EQ(store.get("other"), nullptr);
}

TEST(PartitionStoreTest, CompareAndSwapOnDelete) {
  partition_store store;
  store.put("k", text("a"), std::nullopt);
  store.put("k", text("b"), std::nullopt);
  const auto stale = store.erase("k", 1);
  EXPECT_EQ(stale.status, write_status::conflict);
  EXPECT_EQ(stale.current_version, 2u);
  EXPECT_NE(store.get("k"), nullptr);
  EXPECT_TRUE(store.erase("k", 2).deleted);
  // Absent key: expecting 0 is a harmless no-op, expecting a version is a conflict.
  EXPECT_EQ(store.erase("k", 0).status, write_status::ok);
  EXPECT_EQ(store.erase("k", 3).status, write_status::conflict);
}

TEST(PartitionStoreTest, CountsKeysAndBytesExactly) {
  partition_store store;
  store.put("ab", text("1234"), std::nullopt);
  store.put("c", text(""), std::nullopt);
  EXPECT_EQ(store.key_count(), 2u);
  EXPECT_EQ(store.byte_count(), 7u);
  store.put("ab", text("1"), std::nullopt);
  EXPECT_EQ(store.byte_count(), 4u);
  store.put("ab", text("x"), 7);  // conflict changes nothing
  EXPECT_EQ(store.byte_count(), 4u);
  store.erase("ab", std::nullopt);
  EXPECT_EQ(store.key_count(), 1u);
  EXPECT_EQ(store.byte_count(), 1u);
}

TEST(PartitionStoreTest, ScansInBytewiseOrderWithPrefixSuffixAndCursor) {
  partition_store store;
  for (const char* key : {"b", "a/2", "a/1", "a/10", "\xC3\xA9", "Z", "a/1.txt", "a"}) {
    store.put(key, text(key), std::nullopt);
  }
  scan_query all;
  EXPECT_EQ(keys_of(store.scan(all)),
            (std::vector<std::string>{"Z", "a", "a/1", "a/1.txt", "a/10", "a/2", "b", "\xC3\xA9"}));

  scan_query prefix;
  prefix.prefix = "a/";
  EXPECT_EQ(keys_of(store.scan(prefix)),
            (std::vector<std::string>{"a/1", "a/1.txt", "a/10", "a/2"}));

  prefix.suffix = "0";
  EXPECT_EQ(keys_of(store.scan(prefix)), (std::vector<std::string>{"a/10"}));

  scan_query paged;
  paged.prefix = "a/";
  paged.limit = 2;
  EXPECT_EQ(keys_of(store.scan(paged)), (std::vector<std::string>{"a/1", "a/1.txt"}));
  paged.after = "a/1.txt";
  EXPECT_EQ(keys_of(store.scan(paged)), (std::vector<std::string>{"a/10", "a/2"}));
  paged.after = "a/2";
  EXPECT_TRUE(store.scan(paged).items.empty());
  // A cursor before the prefix starts at the prefix.
  paged.after = "A";
  EXPECT_EQ(keys_of(store.scan(paged)), (std::vector<std::string>{"a/1", "a/1.txt"}));
}

TEST(PartitionStoreTest, ScanSharesValuesOnlyWhenAsked) {
  partition_store store;
  store.put("k", text("value"), std::nullopt);
  scan_query query;
  EXPECT_EQ(store.scan(query).items.at(0).value, nullptr);
  query.with_values = true;
  const auto page = store.scan(query);
  EXPECT_EQ(page.items.at(0).value.view(), "value");
  EXPECT_EQ(page.items.at(0).version, 1u);
  EXPECT_EQ(page.items.at(0).value.view().data(),
            store.get("k")->value.view().data());  // shared, not copied
}

TEST(PartitionStoreTest, ByteBudgetBoundsAPageButAlwaysMakesProgress) {
  partition_store store;
  for (const char* key : {"a", "b", "c", "d"}) store.put(key, text(std::string(100, 'v')), 0);
  scan_query query;
  query.with_values = true;
  query.byte_budget = 150;
  auto page = store.scan(query);
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(page.budget_exhausted);
  query.byte_budget = 1;
  page = store.scan(query);
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"a"}));
  query.byte_budget = 10000;
  page = store.scan(query);
  EXPECT_EQ(page.items.size(), 4u);
  EXPECT_FALSE(page.budget_exhausted);
}

TEST(PartitionStoreTest, SetAndRemoveApplyVersionsAsGivenAndKeepByteCounts) {
  partition_store store;
  store.set("k", text("abc"), 7);
  ASSERT_NE(store.get("k"), nullptr);
  EXPECT_EQ(store.get("k")->version, 7u);
  EXPECT_EQ(store.byte_count(), 4u);
  store.set("k", text("a"), 3);  // lower than before: replay and undo decide, not the store
  EXPECT_EQ(store.get("k")->version, 3u);
  EXPECT_EQ(store.byte_count(), 2u);
  EXPECT_EQ(store.put("k", text("b"), 3).version, 4u);
  store.remove("k");
  store.remove("missing");
  EXPECT_EQ(store.get("k"), nullptr);
  EXPECT_EQ(store.key_count(), 0u);
  EXPECT_EQ(store.byte_count(), 0u);
}

TEST(PartitionStoreTest, EveryWriteCarriesItsTypeIntoReadsAndScans) {
  partition_store store;
  store.put("n", text("41"), std::nullopt, value_type::int64);
  store.put("b", text("raw"), std::nullopt);
  EXPECT_EQ(store.get("n")->type, value_type::int64);
  EXPECT_EQ(store.get("b")->type, value_type::bytes);
  // A later write sets the type anew, as a PUT without ?type= stores bytes.
  EXPECT_EQ(store.put("n", text("x"), 1).version, 2u);
  EXPECT_EQ(store.get("n")->type, value_type::bytes);
  // The largest version the 55 bits below the expiry bit and the type byte hold.
  store.set("s", text("[]"), (std::uint64_t{1} << 55) - 1, value_type::set);
  EXPECT_EQ(store.get("s")->version, (std::uint64_t{1} << 55) - 1);
  EXPECT_EQ(store.get("s")->type, value_type::set);
  scan_query everything;
  everything.with_values = true;
  const scan_page page = store.scan(everything);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].type, value_type::bytes);
  EXPECT_EQ(page.items[2].type, value_type::set);
  EXPECT_EQ(page.items[2].value.view(), "[]");
}

// Lookups go through the hash index, scans through the ordered map: after every write of a
// random sequence (keys of both sizes, inline and on the heap; creates, overwrites, deletes,
// absolute sets and removals) both must agree with a plain model of the data.
TEST(PartitionStoreTest, LookupsAndScansAgreeThroughRandomWrites) {
  partition_store store;
  std::map<std::string, std::uint64_t> model;  // key -> version
  std::mt19937 random(7);
  auto key_of = [](unsigned n) {
    std::string key = n % 2 == 0 ? std::string("k") : std::string(40, 'x');
    key += std::to_string(n);
    return key;
  };
  for (int step = 0; step < 20000; ++step) {
    const std::string key = key_of(random() % 300);
    switch (random() % 4) {
      case 0:
        model[key] = store.put(key, text("v"), std::nullopt).version;
        break;
      case 1:
        store.erase(key, std::nullopt);
        model.erase(key);
        break;
      case 2:
        store.set(key, text("s"), step + 1);
        model[key] = step + 1;
        break;
      default:
        store.remove(key);
        model.erase(key);
        break;
    }
    const stored_value* found = store.get(key);
    ASSERT_EQ(found != nullptr, model.contains(key)) << key << " at step " << step;
    if (found != nullptr) {
      ASSERT_EQ(found->version, model[key]) << key;
    }
  }
  scan_query all;
  all.limit = SIZE_MAX;
  const auto page = store.scan(all);
  ASSERT_EQ(page.items.size(), model.size());
  auto expected = model.begin();
  for (const auto& item : page.items) {
    EXPECT_EQ(item.key, expected->first);
    EXPECT_EQ(item.version, expected->second);
    EXPECT_EQ(store.read(item.key).version, expected->second);
    ++expected;
  }
  EXPECT_EQ(store.key_count(), model.size());
}

}  // namespace
}  // namespace kv
