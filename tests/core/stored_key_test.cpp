// Map keys: short ones inline, long ones on the heap, both ordered as their bytes are.
#include "core/stored_key.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace kv {
namespace {

TEST(StoredKeyTest, KeepsKeysOfEveryLengthAroundTheInlineLimit) {
  for (std::size_t length : {0, 1, 15, 16, 22, 23, 24, 25, 250}) {
    std::string key(length, 'a');
    for (std::size_t i = 0; i < length; ++i) key[i] = static_cast<char>('a' + i % 26);
    const stored_key stored(key);
    EXPECT_EQ(stored.view(), key) << length;
    EXPECT_EQ(stored.size(), length);
  }
}

TEST(StoredKeyTest, ShortKeysLiveInsideTheObject) {
  const stored_key stored("0123456789abcdefghijklm");  // 23 bytes
  const auto* object = reinterpret_cast<const char*>(&stored);
  EXPECT_GE(stored.view().data(), object);
  EXPECT_LT(stored.view().data(), object + sizeof stored);
  const stored_key longer("0123456789abcdefghijklmn");  // 24 bytes
  const auto* other = reinterpret_cast<const char*>(&longer);
  EXPECT_FALSE(longer.view().data() >= other && longer.view().data() < other + sizeof longer);
}

TEST(StoredKeyTest, OrdersAsItsBytesAgainstKeysAndViews) {
  const stored_key short_key("b");
  const stored_key long_key(std::string(30, 'a'));
  EXPECT_LT(long_key, short_key);
  EXPECT_LT(short_key, std::string_view("c"));
  EXPECT_LT(std::string_view("a"), short_key);
  EXPECT_EQ(short_key, std::string_view("b"));
  EXPECT_NE(short_key, std::string_view("b\0", 2));
  EXPECT_LT(stored_key("\x7f"), stored_key("\x80"));  // unsigned, as std::string_view compares
}

TEST(StoredKeyTest, MapsFindByViewWithoutBuildingAKey) {
  std::map<stored_key, int, std::less<>> map;
  map.emplace(std::piecewise_construct, std::forward_as_tuple("short"), std::forward_as_tuple(1));
  const std::string long_key(40, 'z');
  map.emplace(std::piecewise_construct, std::forward_as_tuple(long_key), std::forward_as_tuple(2));
  EXPECT_EQ(map.find(std::string_view("short"))->second, 1);
  EXPECT_EQ(map.find(long_key)->second, 2);
  EXPECT_EQ(map.find(std::string_view("missing")), map.end());
  EXPECT_EQ(map.begin()->first.view(), "short");
}

}  // namespace
}  // namespace kv
