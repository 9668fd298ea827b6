// name_this_thread and named_thread, read back with pthread_getname_np.
#include "core/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace kv {
namespace {

std::string this_thread_name() {
  char buffer[32] = {};
  pthread_getname_np(pthread_self(), buffer, sizeof buffer);
  return buffer;
}

std::string name_in_thread(const char* name) {
  std::string seen;
  std::thread([&] {
    name_this_thread(name);
    seen = this_thread_name();
  }).join();
  return seen;
}

TEST(ThreadNameTest, TheThreadCarriesTheName) {
  EXPECT_EQ(name_in_thread("kv.http"), "kv.http");
}

TEST(ThreadNameTest, ALongNameIsCutToFifteenCharacters) {
  EXPECT_EQ(name_in_thread("kv.a-very-long-thread-name"), "kv.a-very-long-");
}

TEST(ThreadNameTest, ANamedThreadIsNamedBeforeItsFunctionRuns) {
  std::string seen;
  named_thread("kv.named", [&] { seen = this_thread_name(); }).join();
  EXPECT_EQ(seen, "kv.named");
}

}  // namespace
}  // namespace kv
