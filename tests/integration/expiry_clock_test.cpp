// Expiry when the system clock jumps (README "Expiry"), with the real kvnode under libfaketime,
// which shifts the node's wall clock by an offset the test rewrites while the node runs.
#include <glob.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_process.hpp"

namespace kvtest {
namespace {

using namespace std::chrono_literals;

// Debian's libfaketime, wherever the multiarch directory puts it; "" when not installed.
std::string faketime_library() {
  glob_t found{};
  std::string path;
  if (::glob("/usr/lib/*/faketime/libfaketime.so.1", 0, nullptr, &found) == 0) {
    path = found.gl_pathv[0];
  }
  ::globfree(&found);
  return path;
}

// A kvnode whose wall clock (CLOCK_REALTIME only: timers keep the steady clock) is the real one
// shifted by what the test writes with shift_clock.
class ExpiryClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string library = faketime_library();
    if (library.empty()) GTEST_SKIP() << "libfaketime is not installed (install-deps.sh adds it)";
    offset_file_ = offset_dir_.path() / "offset";
    shift_clock("+0");
    // Inherited by the node this process spawns; each test runs in a process of its own.
    ::setenv("LD_PRELOAD", library.c_str(), 1);
    ::setenv("FAKETIME_TIMESTAMP_FILE", offset_file_.c_str(), 1);
    ::setenv("FAKETIME_NO_CACHE", "1", 1);
    ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    std::string error;
    const bool started = node_.start(&error);
    for (const char* name : {"LD_PRELOAD", "FAKETIME_TIMESTAMP_FILE", "FAKETIME_NO_CACHE",
                             "FAKETIME_DONT_FAKE_MONOTONIC"}) {
      ::unsetenv(name);
    }
    ASSERT_TRUE(started) << error;
  }

  void shift_clock(const std::string& offset) { std::ofstream(offset_file_) << offset << '\n'; }

  std::int64_t expires_at(const std::string& key) {
    const std::string text = client().get_key(key).header("X-Kv-Expires-At");
    return text.empty() ? 0 : std::stoll(text);
  }

  KvClient client() { return KvClient(node_.host(), node_.http_port()); }

  TempDir offset_dir_;
  std::filesystem::path offset_file_;
  NodeProcess node_;
};

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(ExpiryClockTest, AClockSteppedBackNeverBringsAnExpiredKeyBack) {
  KvClient kv = client();
  const std::int64_t written_at = unix_ms_now();  // this process's clock is not shifted
  ASSERT_EQ(kv.put(key_path("gone") + "?ttl=1", "v").status, 200);
  std::this_thread::sleep_for(1200ms);
  ASSERT_EQ(kv.get_key("gone").status, 404);

  shift_clock("-1h");
  EXPECT_EQ(kv.get_key("gone").status, 404);
  nlohmann::json page;
  ASSERT_TRUE(kv.list({}, &page));
  EXPECT_EQ(page["keys"], nlohmann::json::array());
  // A ttl given now, in the same partition, counts from the latest time that partition saw,
  // not from the stepped-back clock: the deadline does not lie an hour in the past.
  ASSERT_EQ(kv.put(key_path("gone-too") + "?ttl=5", "v").status, 200);
  EXPECT_GE(expires_at("gone-too"), written_at + 1000 + 5000);
  EXPECT_EQ(kv.get_key("gone-too").status, 200);
}

TEST_F(ExpiryClockTest, AClockJumpingForwardExpiresKeysByTheJump) {
  KvClient kv = client();
  ASSERT_EQ(kv.put(key_path("soon") + "?ttl=1000", "v").status, 200);
  ASSERT_EQ(kv.put_key("plain", "w").status, 200);
  shift_clock("+2000s");
  EXPECT_EQ(kv.get_key("soon").status, 404);
  EXPECT_EQ(kv.get_key("plain").status, 200);
}

}  // namespace
}  // namespace kvtest
