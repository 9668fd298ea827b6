// Expiry in the partition actors, through store_api: deadlines given by writes, kept by
// operations, changed by change_expiry, hidden from reads at once and swept out of memory.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "actors/store_runtime.hpp"
#include "tests/actors/store_calls.hpp"

namespace kv {
namespace {

using namespace std::chrono_literals;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PartitionExpiryTest : public ::testing::Test {
 protected:
  PartitionExpiryTest()
      : runtime_(
            {routing_table::from_split_points({"n"}), 2, 2, 5000ms, std::nullopt, std::nullopt}),
        store_(runtime_.api()) {}

  put_outcome put(const std::string& key, const std::string& value, std::uint32_t ttl_seconds) {
    return *await<put_outcome>([&](auto done) {
      store_.put(key, text(value), value_type::bytes, std::nullopt, ttl_seconds, std::move(done));
    });
  }
  read_value get(const std::string& key) {
    return *await<read_value>([&](auto done) { store_.get(key, std::move(done)); });
  }
  expiry_outcome change_expiry(const std::string& key, std::optional<std::uint32_t> ttl) {
    return *await<expiry_outcome>(
        [&](auto done) { store_.change_expiry(key, ttl, std::nullopt, std::move(done)); });
  }
  std::size_t stored_keys() {
    const auto partitions =
        await<std::vector<partition_info>>([&](auto done) { store_.partitions(std::move(done)); });
    std::size_t keys = 0;
    for (const auto& partition : *partitions) keys += partition.keys;
    return keys;
  }

  store_runtime runtime_;
  store_api store_;
};

TEST_F(PartitionExpiryTest, AWriteWithATtlGetsAnAbsoluteDeadline) {
  const std::int64_t before = unix_ms_now();
  EXPECT_TRUE(put("apple", "v", 60).created);
  const read_value found = get("apple");
  ASSERT_TRUE(found.value);
  EXPECT_GE(found.expires_at_ms, before + 60'000);
  EXPECT_LE(found.expires_at_ms, unix_ms_now() + 60'000);
  put("apple", "w", 0);
  EXPECT_EQ(get("apple").expires_at_ms, 0) << "a plain write clears the deadline";
}

TEST_F(PartitionExpiryTest, OperationsKeepTheDeadline) {
  await<put_outcome>([&](auto done) {
    store_.put("count", text("1"), value_type::int64, std::nullopt, 60, std::move(done));
  });
  const std::int64_t deadline = get("count").expires_at_ms;
  ASSERT_GT(deadline, 0);
  typed_operation incr;
  const auto outcome = *await<operation_outcome>(
      [&](auto done) { store_.operate("count", incr, std::nullopt, SIZE_MAX, std::move(done)); });
  ASSERT_EQ(outcome.result, operation_status::ok);
  EXPECT_EQ(outcome.value.view(), "2");
  EXPECT_EQ(get("count").expires_at_ms, deadline);
}

TEST_F(PartitionExpiryTest, ChangeExpirySetsAndClearsAsAWrite) {
  EXPECT_FALSE(change_expiry("missing", 5).found);
  put("zebra", "v", 0);
  const expiry_outcome set = change_expiry("zebra", 30);
  EXPECT_TRUE(set.found);
  EXPECT_EQ(set.version, 2u);
  EXPECT_EQ(get("zebra").expires_at_ms, set.expires_at_ms);
  EXPECT_EQ(get("zebra").value.view(), "v");
  const expiry_outcome cleared = change_expiry("zebra", std::nullopt);
  EXPECT_EQ(cleared.version, 3u);
  EXPECT_EQ(cleared.expires_at_ms, 0);
  EXPECT_EQ(change_expiry("zebra", std::nullopt).version, 3u) << "nothing to clear, no write";
}

TEST_F(PartitionExpiryTest, ExpiredKeysVanishAndAreSweptFromEveryPartition) {
  for (const char* key : {"apple", "mango", "pear", "zebra"}) put(key, "v", 1);
  put("stays", "v", 0);
  EXPECT_EQ(stored_keys(), 5u);
  std::this_thread::sleep_for(1100ms);
  for (const char* key : {"apple", "mango", "pear", "zebra"}) EXPECT_FALSE(get(key).value) << key;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (stored_keys() != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(stored_keys(), 1u);
  EXPECT_TRUE(get("stays").value);
  // A key written again after it expired is a new key.
  const put_outcome again = put("apple", "w", 0);
  EXPECT_TRUE(again.created);
  EXPECT_EQ(again.version, 1u);
}

}  // namespace
}  // namespace kv
