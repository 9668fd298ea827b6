#include "core/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace kv {
namespace {

std::string name_in_thread(const char* name) {
  std::string seen;
  std::thread([&] {
    name_this_thread(name);
    char buffer[32] = {};
    pthread_getname_np(pthread_self(), buffer, sizeof buffer);
    seen = buffer;
  }).join();
  return seen;
}

TEST(ThreadNameTest, TheThreadCarriesTheName) {
  EXPECT_EQ(name_in_thread("kv.http"), "kv.http");
}

TEST(ThreadNameTest, ALongNameIsCutToFifteenCharacters) {
  EXPECT_EQ(name_in_thread("kv.a-very-long-thread-name"), "kv.a-very-long-");
}

}  // namespace
}  // namespace kv
