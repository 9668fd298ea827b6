// The key_update event's text for each kind of change-feed event.
#include <gtest/gtest.h>

#include "transports/socketio/socketio_server.hpp"

namespace kv::socketio {
namespace {

TEST(KeyUpdateText, APutReadsAsTheFlaskServiceWordsIt) {
  // "dmFsdWUx" is base64 of "value1".
  EXPECT_EQ(key_update_text(R"({"op":"put","key":"key1","value":"dmFsdWUx","version":1})"),
            "Key: key1 set with value: value1");
}

TEST(KeyUpdateText, ANullValueIsNone) {
  EXPECT_EQ(key_update_text(R"({"op":"put","key":"k","value":"bnVsbA==","type":"json"})"),
            "Key: k set with value: None");
}

TEST(KeyUpdateText, TypedValuesReadAsGetPrintsThem) {
  EXPECT_EQ(key_update_text(R"({"op":"put","key":"n","value":"NDI=","type":"int"})"),
            "Key: n set with value: 42");
  EXPECT_EQ(key_update_text(R"({"op":"put","key":"s","value":"ImFiYyI=","type":"json"})"),
            "Key: s set with value: abc");
}

TEST(KeyUpdateText, DeletesAndExpiriesHaveTheirOwnWords) {
  EXPECT_EQ(key_update_text(R"({"op":"delete","key":"k","version":3})"), "Key: k deleted");
  EXPECT_EQ(key_update_text(R"({"op":"expire","key":"k"})"), "Key: k expired");
  EXPECT_EQ(key_update_text(R"({"op":"merge","key":"k"})"), std::nullopt);
}

TEST(KeyUpdateText, NothingForTextThatIsNoEvent) {
  EXPECT_FALSE(key_update_text("not json"));
  EXPECT_FALSE(key_update_text(R"({"key":"k"})"));
  EXPECT_FALSE(key_update_text(R"({"op":1,"key":"k"})"));
}

}  // namespace
}  // namespace kv::socketio
