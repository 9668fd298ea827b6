// The heap trimmer: free pages beyond the reserve go back to the system while the process idles.
#include "actors/heap_trimmer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

namespace kv {
namespace {

using namespace std::chrono_literals;

TEST(HeapTrimmerTest, FreePagesBeyondTheReserveGoBackWhileIdle) {
  constexpr std::size_t reserve = 8 << 20;
  {
    // Blocks this large come straight from the page heap, and go back to its free list.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 64; ++i) {
      blocks.push_back(std::make_unique<char[]>(1 << 20));
      std::memset(blocks.back().get(), 1, 1 << 20);
    }
  }
  ASSERT_GT(heap_trimmer::free_bytes(), reserve) << "nothing for the trimmer to do";
  const heap_trimmer trimmer(10ms, reserve);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (heap_trimmer::free_bytes() > reserve && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_LE(heap_trimmer::free_bytes(), reserve);
}

}  // namespace
}  // namespace kv
