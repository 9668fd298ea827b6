// Tests of the start-up warning about a port open beyond this machine with nothing guarding it.
#include "node/exposure_warning.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(ExposureWarningTest, LoopbackAddressesAreNotWarnedAbout) {
  for (const char* host : {"127.0.0.1", "127.8.9.10", "::1", "localhost"}) {
    EXPECT_EQ(exposure_warning(host, false, false), std::nullopt) << host;
  }
}

TEST(ExposureWarningTest, AnOpenPlainPortIsWarnedAboutOnce) {
  for (const char* host : {"0.0.0.0", "::", "10.1.2.3", "node.example"}) {
    const auto warning = exposure_warning(host, false, false);
    ASSERT_TRUE(warning.has_value()) << host;
    EXPECT_NE(warning->find(host), std::string::npos) << *warning;
    EXPECT_EQ(warning->find('\n'), std::string::npos) << *warning;
  }
}

TEST(ExposureWarningTest, TlsOrTokensSilenceIt) {
  EXPECT_EQ(exposure_warning("0.0.0.0", true, false), std::nullopt);
  EXPECT_EQ(exposure_warning("0.0.0.0", false, true), std::nullopt);
}

}  // namespace
}  // namespace kv
