// The heap trimmer: free pages beyond the reserve go back to the system while the process idles.
#include "actors/heap_trimmer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace kv {
namespace {

using namespace std::chrono_literals;

// Frees `megabytes` MiB of blocks large enough to come straight from the page heap, whose free
// list they then join.
void free_large_blocks(int megabytes) {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < megabytes; ++i) {
    blocks.push_back(std::make_unique<char[]>(1 << 20));
    std::memset(blocks.back().get(), 1, 1 << 20);
  }
}

// Polls until the allocator's free pages are at most `bytes`, for up to 5 s.
bool free_bytes_fall_to(std::size_t bytes) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (heap_trimmer::free_bytes() > bytes && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  return heap_trimmer::free_bytes() <= bytes;
}

TEST(HeapTrimmerTest, FreePagesBeyondTheReserveGoBackWhileIdle) {
  constexpr std::size_t reserve = 8 << 20;
  free_large_blocks(64);
  ASSERT_GT(heap_trimmer::free_bytes(), reserve) << "nothing for the trimmer to do";
  const heap_trimmer trimmer(10ms, reserve);
  EXPECT_TRUE(free_bytes_fall_to(reserve));
}

TEST(HeapTrimmerTest, ReleaseAllSoonHandsBackTheReserveTooWithoutWaitingForThePeriod) {
  constexpr std::size_t reserve = 256 << 20;
  heap_trimmer trimmer(1h, reserve);
  free_large_blocks(64);
  const std::size_t before = heap_trimmer::free_bytes();
  ASSERT_GT(before, std::size_t{32} << 20) << "nothing for the trimmer to do";
  ASSERT_LT(before, reserve) << "all of it would go back at the period anyway";
  trimmer.release_all_soon();
  // Well under what was free: the pages of other threads' blocks may come and go meanwhile.
  EXPECT_TRUE(free_bytes_fall_to(std::size_t{4} << 20));
}

}  // namespace
}  // namespace kv
