// The event JSON of contract section 3: field order, base64 values, no value on a delete,
// keys that need escaping, and the largest numbers.
#include "core/feed_event.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

namespace kv {
namespace {

applied_change put_change(std::string key, std::string value) {
  return {change_op::put, std::move(key), shared_bytes::copy_of(value), 3, 7, 12, 1700000000123};
}

TEST(FeedEventTest, PutCarriesEveryFieldInContractOrder) {
  const auto event = make_feed_event(put_change("user:1", "hello"), 42);
  EXPECT_EQ(event->json,
            R"({"op":"put","key":"user:1","value":"aGVsbG8=","version":3,"partition":7,)"
            R"("seq":12,"rev":42,"ts_ms":1700000000123})");
  EXPECT_EQ(event->key, "user:1");
  EXPECT_EQ(event->rev, 42u);
}

TEST(FeedEventTest, TypedPutNamesItsTypeAfterTheValue) {
  applied_change change = put_change("hits", "42");
  change.type = value_type::int64;
  EXPECT_EQ(make_feed_event(change, 42)->json,
            R"({"op":"put","key":"hits","value":"NDI=","type":"int","version":3,"partition":7,)"
            R"("seq":12,"rev":42,"ts_ms":1700000000123})");
}

TEST(FeedEventTest, DeleteHasNoValue) {
  const applied_change change{change_op::del, "gone", nullptr, 5, 0, 1, 9};
  EXPECT_EQ(make_feed_event(change, 1)->json,
            R"({"op":"delete","key":"gone","version":5,"partition":0,"seq":1,"rev":1,"ts_ms":9})");
}

TEST(FeedEventTest, KeysAreEscapedAndValuesMayBeAnyBytes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string key = "quote\" back\\slash caf\xC3\xA9 tab\t";
  const auto json = nlohmann::json::parse(make_feed_event(put_change(key, bytes), 1)->json);
  EXPECT_EQ(json["key"], key);
  EXPECT_EQ(json["value"].get<std::string>().size(), 344u);  // base64 of 256 bytes
}

// The JSON is written into room sized before: the longest escapes and numbers must fit.
TEST(FeedEventTest, TheLongestEscapesAndNumbersFit) {
  const std::string key(250, '\x01');
  applied_change change = put_change(key, "ab");
  change.version = UINT64_MAX;
  change.seq = UINT64_MAX;
  change.ts_ms = INT64_MIN;
  std::string escaped;
  for (std::size_t i = 0; i < key.size(); ++i) escaped += "\\u0001";
  EXPECT_EQ(make_feed_event(change, UINT64_MAX)->json,
            R"({"op":"put","key":")" + escaped +
                R"(","value":"YWI=","version":18446744073709551615,"partition":7,)"
                R"("seq":18446744073709551615,"rev":18446744073709551615,)"
                R"("ts_ms":-9223372036854775808})");
}

TEST(FeedEventTest, BytesCountKeyAndJson) {
  const auto event = make_feed_event(put_change("k", "v"), 1);
  EXPECT_EQ(event->bytes(), 1 + event->json.size());
}

}  // namespace
}  // namespace kv
