// The start-up warning of a node reachable from other machines without protection.
#include "node/exposure_warning.hpp"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(ExposureWarning, LoopbackListenersNeedNoWarning) {
  for (const char* host : {"127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"}) {
    EXPECT_EQ(exposure_warning(host, false, false), std::nullopt) << host;
  }
}

TEST(ExposureWarning, AnOpenNonLoopbackListenerWarnsOnce) {
  const auto line = exposure_warning("0.0.0.0", false, false);
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("0.0.0.0"), std::string::npos);
  EXPECT_EQ(line->find('\n'), std::string::npos);
}

TEST(ExposureWarning, TokensOrTlsSilenceIt) {
  EXPECT_EQ(exposure_warning("0.0.0.0", false, true), std::nullopt);
  EXPECT_EQ(exposure_warning("10.0.0.5", true, false), std::nullopt);
}

}  // namespace
}  // namespace kv
