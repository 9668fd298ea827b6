// Shared immutable values: copies share one block, and null and empty are different values.
#include "core/shared_bytes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kv {
namespace {

TEST(SharedBytesTest, CopiesShareOneBlockOfBytes) {
  const shared_bytes original = shared_bytes::copy_of("0123456789abcdef");
  const shared_bytes copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.view(), "0123456789abcdef");
  EXPECT_EQ(copy.view().data(), original.view().data());
  EXPECT_EQ(copy.size(), 16u);
}

TEST(SharedBytesTest, NullAndEmptyAreDifferentValues) {
  const shared_bytes null;
  const shared_bytes empty = shared_bytes::copy_of("");
  EXPECT_FALSE(null);
  EXPECT_TRUE(null == nullptr);
  EXPECT_TRUE(empty);
  EXPECT_FALSE(empty == nullptr);
  EXPECT_EQ(null.view(), "");
  EXPECT_EQ(empty.size(), 0u);
}

TEST(SharedBytesTest, BytesMayHoldAnything) {
  const std::string binary("\0\xff\n\x01", 4);
  EXPECT_EQ(shared_bytes::copy_of(binary).view(), binary);
}

TEST(SharedBytesTest, MovingLeavesTheSourceNull) {
  shared_bytes source = shared_bytes::copy_of("v");
  const shared_bytes target = std::move(source);
  EXPECT_EQ(target.view(), "v");
  EXPECT_FALSE(source);  // NOLINT(bugprone-use-after-move): moved-from is defined as null
}

TEST(SharedBytesTest, AssignmentReplacesAndSelfAssignmentKeeps) {
  shared_bytes value = shared_bytes::copy_of("old");
  const shared_bytes other = shared_bytes::copy_of("new");
  value = other;
  EXPECT_EQ(value.view(), "new");
  value = value;  // NOLINT(clang-diagnostic-self-assign-overloaded)
  EXPECT_EQ(value.view(), "new");
  value = nullptr;
  EXPECT_FALSE(value);
  EXPECT_EQ(other.view(), "new");
}

TEST(SharedBytesTest, CopiesOnManyThreadsCountEveryReference) {
  const shared_bytes value = shared_bytes::copy_of(std::string(1000, 'x'));
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    // Each thread holds its captured copy until it ends, and makes and drops 100,000 more: a
    // count that lost an update on any of them would not come back to exactly 1.
    threads.emplace_back([value] {
      for (int i = 0; i < 100000; ++i) {
        const shared_bytes copy = value;  // NOLINT(performance-unnecessary-copy-initialization)
        ASSERT_EQ(copy.size(), 1000u);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(value.use_count(), 1u);
  EXPECT_EQ(value.view(), std::string(1000, 'x'));
}

TEST(SharedBytesTest, UseCountFollowsCopiesAndReleases) {
  shared_bytes value = shared_bytes::copy_of("v");
  EXPECT_EQ(value.use_count(), 1u);
  {
    const shared_bytes copy = value;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(value.use_count(), 2u);
  }
  EXPECT_EQ(value.use_count(), 1u);
  value = nullptr;
  EXPECT_EQ(value.use_count(), 0u);
}

}  // namespace
}  // namespace kv
