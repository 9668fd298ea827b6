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

TEST(WriteReplyTest, OperationReplyPrintsNumbersAsStringsAndContainersAsJson) {
  EXPECT_EQ(operation_reply_json("say \"hi\"", 3, value_type::int64, "-7"),
            R"({"key":"say \"hi\"","version":3,"type":"int","value":"-7"})");
  EXPECT_EQ(operation_reply_json("s", 1, value_type::set, R"(["a","b"])"),
            R"({"key":"s","version":1,"type":"set","value":["a","b"]})");
  const auto hash =
      nlohmann::json::parse(operation_reply_json("h", 2, value_type::hash, R"({"f":"v"})"));
  EXPECT_EQ(hash["value"], nlohmann::json({{"f", "v"}}));
}

}  // namespace
}  // namespace kv::http
