// The hand-formatted reply to a write says what nlohmann::json would, for any valid key.
#include "transports/http/write_reply.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace kv::http {
namespace {

TEST(WriteReplyTest, MatchesTheJsonDocumentItReplaces) {
  const std::vector<std::string> keys = {"k",           "users/7/photo", "say \"hi\"",
                                         "back\\slash", "caf\xc3\xa9",   std::string(250, 'x')};
  const std::vector<std::pair<std::uint64_t, bool>> outcomes = {
      {1, true}, {42, false}, {UINT64_MAX, false}};
  for (const auto& key : keys) {
    for (const auto& [version, created] : outcomes) {
      const nlohmann::json expected = {{"key", key}, {"version", version}, {"created", created}};
      EXPECT_EQ(write_reply_json(key, version, created), expected.dump()) << key;
    }
  }
}

}  // namespace
}  // namespace kv::http
